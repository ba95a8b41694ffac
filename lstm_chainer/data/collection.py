"""Many series at one frequency: long-format tables held as flat arrays.

A :class:`Collection` keeps every series' rows in one ``(rows, targets)``
array with per-series offsets (series ``i`` is ``values[offsets[i]:
offsets[i + 1]]``), so memory and time grow with the total rows, not with
the number of pandas objects. Problems with the table raise ``ValueError``
with a one-line message that names the series.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from lstm_chainer.data.csvdata import (
    future_index,
    looks_numeric,
    read_table,
    time_step,
    utc_if_mixed,
)


@dataclasses.dataclass
class Collection:
    """Series of different lengths and start times at one frequency.

    Attributes:
        ids (numpy.ndarray): Series names (strings), in input order.
        offsets (numpy.ndarray): ``(n_series + 1,)`` row offsets.
        values (numpy.ndarray): ``(rows, n_targets)`` float64, every
            series' rows oldest first, series after series.
        columns (list): Target names.
        starts (pandas.DatetimeIndex): Each series' first time (``None``
            without a time column: rows are steps).
        freq (str): The time step (``None`` without times).
        time_name (str): Name of the time column (``None`` without).
        id_name (str): Name of the id column.
        covariates (numpy.ndarray): ``(rows, n_covariates)`` float64 inputs
            known ahead (``None``: none), row for row with ``values``.
        covariate_columns (list): Their names.
        static (pandas.DataFrame): One row per series (in ``ids`` order) of
            attributes constant per series, as text (``None``: none).
    """

    ids: np.ndarray
    offsets: np.ndarray
    values: np.ndarray
    columns: list
    starts: pd.DatetimeIndex | None = None
    freq: str | None = None
    time_name: str | None = None
    id_name: str = 'id'
    covariates: np.ndarray | None = None
    covariate_columns: list = dataclasses.field(default_factory=list)
    static: pd.DataFrame | None = None

    def __len__(self):
        return len(self.ids)

    @property
    def lengths(self):
        """numpy.ndarray: Rows of every series."""
        return np.diff(self.offsets)

    def series(self, i):
        """``(rows, n_targets)`` values of series ``i`` (a view)."""
        return self.values[self.offsets[i]:self.offsets[i + 1]]

    def index_of(self, i, extra=0):
        """The time index of series ``i`` (``extra`` steps past its end):
        timestamps, or row positions without times."""
        n = int(self.offsets[i + 1] - self.offsets[i]) + extra
        if self.starts is None:
            return pd.RangeIndex(n)
        return pd.date_range(self.starts[i], periods=n, freq=self.freq,
                             name=self.time_name)

    def future_index(self, i, steps):
        """The ``steps`` times after series ``i``'s last row."""
        n = int(self.offsets[i + 1] - self.offsets[i])
        return self.index_of(i, steps)[n:]

    def times(self, first, steps):
        """Times of rows ``first[i] .. first[i] + steps - 1`` of every
        series (past its end too), for all series at once.

        Args:
            first: ``(n_series,)`` row positions (``lengths``: the future).
            steps (int): Rows per series.

        Returns:
            pandas.DatetimeIndex: ``n_series * steps`` times, series-major.
        """
        first = np.asarray(first, dtype=np.int64)
        return self._times_at(
            np.repeat(np.arange(len(self)), steps),
            (first[:, None] + np.arange(steps)[None, :]).ravel())

    def row_times(self):
        """pandas.DatetimeIndex: The time of every row, in row order."""
        lengths = self.lengths
        owner = np.repeat(np.arange(len(self)), lengths)
        return self._times_at(owner, np.arange(len(self.values))
                              - np.repeat(self.offsets[:-1], lengths))

    def _times_at(self, series, positions):
        """The time of row ``positions[k]`` of series ``series[k]``: one
        date range per distinct start (series often share one)."""
        if self.starts is None:
            raise ValueError('the series have no time column')
        out = np.empty(len(series), dtype=np.int64)
        codes = pd.factorize(self.starts)[0][series]
        for u in np.unique(codes):
            at = np.flatnonzero(codes == u)
            grid = pd.date_range(self.starts[series[at[0]]],
                                 periods=int(positions[at].max()) + 1,
                                 freq=self.freq).as_unit('ns').asi8
            out[at] = grid[positions[at]]
        return pd.DatetimeIndex(out.view('datetime64[ns]'))

    def head(self, drop):
        """The collection without the last ``drop`` rows of every series
        (series left with no rows keep none).

        Returns:
            Collection: A copy sharing nothing with this one.
        """
        lengths = np.maximum(self.lengths - int(drop), 0)
        keep = _ranges(self.offsets[:-1], lengths)
        return dataclasses.replace(
            self, offsets=np.r_[0, np.cumsum(lengths)].astype(np.int64),
            values=self.values[keep].copy(),
            covariates=None if self.covariates is None
            else self.covariates[keep].copy())

    def select(self, positions):
        """The series at ``positions`` (in that order), as a collection."""
        positions = np.asarray(positions, dtype=np.int64)
        lengths = self.lengths[positions]
        rows = _ranges(self.offsets[positions], lengths)
        return dataclasses.replace(
            self, ids=self.ids[positions],
            offsets=np.r_[0, np.cumsum(lengths)].astype(np.int64),
            values=self.values[rows].copy(),
            starts=None if self.starts is None else self.starts[positions],
            covariates=None if self.covariates is None
            else self.covariates[rows].copy(),
            static=None if self.static is None
            else self.static.iloc[positions].reset_index(drop=True))

    def to_frame(self):
        """The long table: the id, the time (or ``step``), the targets."""
        rows = self.lengths
        frame = pd.DataFrame({self.id_name: np.repeat(self.ids, rows)})
        if self.starts is None:
            frame['step'] = np.concatenate([np.arange(n) for n in rows]) \
                if len(rows) else np.zeros(0, np.int64)
        else:
            frame[self.time_name or 'time'] = np.concatenate(
                [self.index_of(i) for i in range(len(self))]) \
                if len(rows) else pd.DatetimeIndex([])
        for k, column in enumerate(self.columns):
            frame[column] = self.values[:, k]
        for k, column in enumerate(self.covariate_columns):
            frame[column] = self.covariates[:, k]
        if self.static is not None:
            for column in self.static.columns:
                frame[column] = np.repeat(self.static[column].to_numpy(),
                                          rows)
        return frame

    @classmethod
    def from_table(cls, frame, freq=None):
        """Each column of a table as a series of its own: a table is a
        collection of as many series as it has columns.

        A column may start later than the table (empty leading rows: its
        series starts at its first value); a gap after its first value is
        refused, as every series ends at the table's last row.

        Args:
            frame: A DataFrame (a DatetimeIndex gives the times), a Series,
                or a 1-D or 2-D array, oldest row first.
            freq (str): The time step (default: inferred from the index).

        Returns:
            Collection: The columns as series, named by the columns.
        """
        if isinstance(frame, pd.Series):
            frame = frame.to_frame()
        elif not isinstance(frame, pd.DataFrame):
            values = np.asarray(frame)
            if values.ndim not in (1, 2):
                raise ValueError('a table is 1-D or 2-D, got {} dimensions'
                                 .format(values.ndim))
            frame = pd.DataFrame(values.reshape(len(values), -1))
        if frame.shape[1] == 0 or len(frame) == 0:
            raise ValueError('the table holds no values')
        text = [str(c) for c in frame.columns
                if not pd.api.types.is_numeric_dtype(frame[c])]
        if text:
            raise ValueError('column(s) {} are not numbers: each column of '
                             'a table is a series (a long table of many '
                             'series: from_long(frame, id_column))'.format(
                                 ', '.join(text[:5])))
        times = frame.index if isinstance(frame.index, pd.DatetimeIndex) \
            else None
        if freq is None and times is not None and len(times) > 2:
            freq = time_step(times)
        values = frame.to_numpy(np.float64, na_value=np.nan)
        present = ~np.isnan(values)
        started = np.cumsum(present, axis=0) > 0
        if not started[-1].all():
            raise ValueError('column {!r} of the table is empty'.format(
                str(frame.columns[np.argmin(started[-1])])))
        first = present.argmax(axis=0)
        if (started > present).any():
            row, k = np.argwhere(started > present)[0]
            raise ValueError(
                'column {!r} of the table is empty at row {} (after its '
                'first value at row {}): every series runs to the '
                'table\'s last row; fill the gaps or give a long table'
                .format(str(frame.columns[k]), row + 1, first[k] + 1))
        dated = times is not None and freq is not None
        return cls.from_series(
            [values[start:, k] for k, start in enumerate(first)],
            ids=[str(c) for c in frame.columns], freq=freq,
            starts=times[first] if dated else None,
            time_name=times.name if dated else None)

    def wide_frame(self, long, steps, index=None):
        """A long forecast of a collection made by :meth:`from_table` as a
        wide table again: one column per series (and its bounds).

        Args:
            long (pandas.DataFrame): ``GlobalForecaster.forecast_frame``'s
                table for this collection.
            steps (int): Steps forecast.
            index: The table's index (default: its row positions; a
                DatetimeIndex gives future times).

        Returns:
            pandas.DataFrame: ``steps`` rows indexed by the future times.
        """
        if index is None:
            index = pd.RangeIndex(int(self.lengths.max()))
        # Series after series, ``steps`` rows each: one block per series.
        names = long.columns[2:]
        blocks = long[names].to_numpy().reshape(len(self), steps, -1)
        prefix = len(self.columns[0])
        wide = pd.DataFrame(
            {name + column[prefix:]: blocks[i, :, k]
             for i, name in enumerate(self.ids)
             for k, column in enumerate(names)},
            index=future_index(index, steps, self.freq))
        wide.attrs['notes'] = list(long.attrs.get('notes', []))
        return wide

    @classmethod
    def from_series(cls, series, ids=None, columns=None, starts=None,
                    freq=None, time_name=None, static=None):
        """A collection of arrays (or 1-D lists), one per series.

        Args:
            series (sequence): ``(rows,)`` or ``(rows, n_targets)`` each.
            ids (sequence): Names (default ``0, 1, ...``).
            columns (list): Target names (default ``y`` or ``y0, y1, ...``).
            starts: First times (with ``freq``), or ``None``.
            freq (str): Time step.
            time_name (str): Name of the time column.
            static (dict): Static column -> one value per series.
        """
        arrays = [np.asarray(s, dtype=np.float64) for s in series]
        arrays = [a[:, None] if a.ndim == 1 else a for a in arrays]
        if not arrays:
            raise ValueError('the collection holds no series')
        width = arrays[0].shape[1]
        if any(a.ndim != 2 or a.shape[1] != width for a in arrays):
            raise ValueError('every series needs the same {} target '
                             'column(s)'.format(width))
        ids = np.asarray([str(i) for i in (range(len(arrays)) if ids is None
                                           else ids)], dtype=object)
        if len(ids) != len(arrays):
            raise ValueError('{} ids for {} series'.format(len(ids),
                                                           len(arrays)))
        _check_unique(ids)
        columns = list(columns) if columns is not None else (
            ['y'] if width == 1 else ['y{}'.format(k) for k in range(width)])
        lengths = [len(a) for a in arrays]
        values = np.concatenate(arrays)
        _check_finite(values, ids, np.r_[0, np.cumsum(lengths)], columns)
        if static is not None:
            static = pd.DataFrame({name: np.asarray(
                [str(v) for v in column], dtype=object)
                for name, column in dict(static).items()})
            if len(static) != len(arrays):
                raise ValueError('{} static values for {} series'.format(
                    len(static), len(arrays)))
        return cls(ids, np.r_[0, np.cumsum(lengths)].astype(np.int64),
                   values, columns,
                   None if starts is None else pd.DatetimeIndex(starts),
                   freq, time_name, static=static)


def read_long(path: str, id_column: str, time_column: str | None = None,
              columns=None, covariates=(), static=(), freq=None, sep=None,
              thousands=None, decimal=None) -> Collection:
    """Reads a long CSV file of many series (one row per series and time)
    as :func:`~lstm_chainer.data.csvdata.load_csv` reads a table: gzip,
    the separator, decimal mark and thousands separator; ids and static
    columns as text, as written.

    Args:
        path (str): The file.
        id_column, time_column, columns, covariates, static, freq: As
            :func:`from_long`'s.
        sep, thousands, decimal (str): As
            :func:`~lstm_chainer.data.csvdata.load_csv`'s.

    Returns:
        Collection: The series; errors name the file.
    """
    frame = read_table(path, sep, thousands, decimal,
                       text=[id_column] + list(static))
    frame.index = pd.RangeIndex(2, len(frame) + 2)  # rows named as lines
    inputs = [id_column, time_column] + list(static)
    if columns is None:
        columns = [c for c in frame.columns if c not in inputs
                   and c not in covariates and (
                       pd.api.types.is_numeric_dtype(frame[c])
                       or looks_numeric(frame[c]))]
        if not columns:
            raise ValueError('{}: no numeric column to forecast beside {!r} '
                             '(the header has {}; --thousands or --decimal '
                             'if numbers are written 1.234,5)'.format(
                                 path, id_column,
                                 ', '.join(map(repr, frame.columns))))
    missing = [c for c in [id_column, time_column] + list(columns)
               + list(covariates) + list(static)
               if c is not None and c not in frame.columns]
    if missing:
        raise ValueError('{}: no column {} (the header has {})'.format(
            path, ', '.join(map(repr, missing)),
            ', '.join(map(repr, frame.columns))))
    for name in list(columns) + list(covariates):
        if name not in inputs and \
                not pd.api.types.is_numeric_dtype(frame[name]):
            # A text cell is then named by series and row below.
            frame[name] = pd.to_numeric(frame[name], errors='coerce')
    try:
        return from_long(frame, id_column, time_column, columns, freq=freq,
                         covariates=list(covariates), static=list(static))
    except ValueError as error:
        raise ValueError('{}: {}'.format(path, error)) from None


def from_long(frame: pd.DataFrame, id_column: str,
              time_column: str | None = None, columns=None,
              freq: str | None = None, covariates=None,
              static=None) -> Collection:
    """Reads a long table: one row per series and time.

    Rows of a series need not be adjacent; within a series they must be in
    time order (with a time column: strictly increasing, one row per step
    of one common frequency).

    Args:
        frame (pandas.DataFrame): The table.
        id_column (str): The column naming each row's series.
        time_column (str): The column of times (parsed as dates); ``None``:
            rows are steps, in file order.
        columns (list): Target columns (default: every other numeric one).
        freq (str): The time step (default: inferred).
        covariates (list): Numeric columns known ahead (inputs, not
            forecast; a forecast needs their future values).
        static (list): Columns constant within each series (a product's
            category, a meter's region), read as text.

    Returns:
        Collection: The series, in order of first appearance. Errors name
        a row by the frame's index label (:func:`read_long`: the file's
        line); times with several UTC offsets (daylight saving) are read
        as UTC.
    """
    if id_column not in frame.columns:
        raise ValueError('no id column {!r}: the table has {}'.format(
            id_column, ', '.join(map(repr, frame.columns))))
    if time_column is not None and time_column not in frame.columns:
        raise ValueError('no time column {!r}: the table has {}'.format(
            time_column, ', '.join(map(repr, frame.columns))))
    if len(frame) == 0:
        raise ValueError('the table has no rows')
    covariates = list(covariates or [])
    static = list(static or [])
    inputs = covariates + static
    if columns is None:
        columns = [c for c in frame.columns
                   if c not in (id_column, time_column) and c not in inputs
                   and pd.api.types.is_numeric_dtype(frame[c])]
        if not columns:
            raise ValueError('no numeric column to forecast beside {!r}'
                             .format(id_column))
    columns = list(columns)
    if not columns:
        raise ValueError('no numeric column to forecast beside {!r}'
                         .format(id_column))
    named = [c for c in columns if c in (id_column, time_column)]
    if named:
        raise ValueError('column {!r} is the {} column: it cannot be a '
                         'target too'.format(named[0], 'id' if named[0] ==
                                             id_column else 'time'))
    both = [c for c in inputs if c in columns or inputs.count(c) > 1
            or c in (id_column, time_column)]
    if both:
        raise ValueError('column {!r} is given twice (a target, covariate, '
                         'static, id or time column)'.format(both[0]))
    unknown = [c for c in columns + inputs if c not in frame.columns]
    if unknown:
        raise ValueError('unknown column(s) {}: the table has {}'.format(
            ', '.join(map(repr, unknown)),
            ', '.join(map(repr, frame.columns))))
    raw_ids = frame[id_column]
    # Factorised as they are (categories, numbers, text), then named as
    # text: no string per row for millions of rows.
    codes, uniques = pd.factorize(raw_ids, sort=False)
    blank = np.flatnonzero(pd.Index(uniques).astype(str).str.strip() == '')
    empty = (codes < 0) | np.isin(codes, blank)
    if empty.any():
        row = int(np.argmax(empty))
        raise ValueError('row {} has no id ({!r} is empty)'.format(
            frame.index[row], id_column))
    ids = np.asarray([str(name) for name in np.asarray(uniques)],
                     dtype=object)
    if len(set(ids)) < len(ids):  # 1 and '1' in one column
        codes, uniques = pd.factorize(raw_ids.astype(str), sort=False)
        ids = np.asarray(uniques, dtype=object)
    order = np.argsort(codes, kind='stable')
    lengths = np.bincount(codes, minlength=len(ids))
    offsets = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    values = _numbers(frame, columns, order)
    _check_finite(values, ids, offsets, columns, order, frame.index)
    known = None
    if covariates:
        known = _numbers(frame, covariates, order)
        _check_finite(known, ids, offsets, covariates, order, frame.index)
    starts = time_name = None
    if time_column is not None:
        times = _parse_times(frame[time_column])[order]
        freq = _check_times(times, ids, offsets, freq, order, frame.index)
        starts = times[offsets[:-1]]
        time_name = time_column
    return Collection(ids, offsets, values, columns, starts, freq, time_name,
                      str(id_column), known, covariates,
                      _static(frame, static, ids, offsets, order, id_column)
                      if static else None)


def _numbers(frame, columns, order):
    try:
        return frame[columns].to_numpy(dtype=np.float64)[order]
    except (TypeError, ValueError):
        bad = next(c for c in columns
                   if pd.to_numeric(frame[c], errors='coerce').isna().any()
                   and not frame[c].isna().all())
        raise ValueError('column {!r} holds text, not numbers'.format(
            bad)) from None


def _static(frame, names, ids, offsets, order, id_column):
    """One row per series of the static columns (text), checked constant
    within every series."""
    out = {}
    first = order[offsets[:-1]]
    owner = np.repeat(np.arange(len(ids)), np.diff(offsets))
    for name in names:
        column = frame[name]
        empty = column.isna() | column.astype(str).str.strip().eq('')
        if empty.any():
            row = int(np.argmax(empty.to_numpy()))
            raise ValueError('series {!r}: static column {!r} is empty at '
                             'row {}'.format(str(frame[id_column].iloc[row]),
                                             name, frame.index[row]))
        codes = pd.factorize(column, sort=False)[0][order]
        changed = np.flatnonzero(codes != codes[offsets[:-1]][owner])
        if len(changed):
            p = int(changed[0])
            raise ValueError('series {!r}: static column {!r} changes from '
                             '{!r} to {!r} (row {})'.format(
                                 ids[owner[p]], name,
                                 column.iloc[first[owner[p]]],
                                 column.iloc[order[p]],
                                 frame.index[order[p]]))
        out[name] = np.asarray([str(v) for v in column.iloc[first]],
                               dtype=object)
    return pd.DataFrame(out)


def _ranges(starts, lengths):
    """Concatenated ``arange(s, s + n)`` for every pair, vectorised."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    first = np.repeat(np.asarray(starts, np.int64) - np.r_[0, np.cumsum(
        lengths)[:-1]], lengths)
    return first + np.arange(total)


def _check_unique(ids):
    seen, repeated = set(), []
    for name in ids:
        if name in seen:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise ValueError('series id {!r} appears twice'.format(repeated[0]))


def _check_finite(values, ids, offsets, columns, order=None, rows=None):
    bad = ~np.isfinite(values)
    if bad.any():
        position, column = np.argwhere(bad)[0]
        series = int(np.searchsorted(offsets, position, side='right') - 1)
        row = '' if order is None else ' (row {})'.format(
            rows[order[position]])
        what = 'infinite' if np.isinf(values[position, column]) \
            else 'empty or not a number'
        raise ValueError('series {!r}: column {!r} is {} at its row {}{}'
                         .format(ids[series], columns[column], what,
                                 int(position - offsets[series]) + 1, row))
    # Beyond this, squares (variances, errors) overflow float64.
    big = np.abs(values) > 1e150
    if big.any():
        position, column = np.argwhere(big)[0]
        series = int(np.searchsorted(offsets, position, side='right') - 1)
        raise ValueError('series {!r}: column {!r} holds values too large to '
                         'forecast ({:.3g} at its row {}); rescale them'
                         .format(ids[series], columns[column],
                                 values[position, column],
                                 int(position - offsets[series]) + 1))


def _parse_times(raw):
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = pd.DatetimeIndex(raw)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # format inference notices
            text = raw.astype(str)
            parsed = pd.DatetimeIndex(utc_if_mixed(lambda **utc: pd.to_datetime(
                text, errors='coerce', **utc)))
            if parsed.isna().any():  # the first row's format is not all's
                parsed = pd.DatetimeIndex(utc_if_mixed(
                    lambda **utc: pd.to_datetime(
                        text, errors='coerce', format='mixed', **utc)))
    if parsed.isna().any():
        row = int(np.argmax(parsed.isna()))
        raise ValueError('row {}: {!r} is not a time'.format(
            raw.index[row], raw.iloc[row]))
    if parsed.tz is not None:
        parsed = parsed.tz_convert(None)
    # Nanoseconds, whatever pandas parsed to (pandas 3 picks microseconds
    # for text): the grid checks compare integer stamps with step nanos.
    return parsed.as_unit('ns')


def _series_at(offsets, position):
    return int(np.searchsorted(offsets, position, side='right') - 1)


def _check_times(times, ids, offsets, freq, order, rows):
    """Times strictly increase within each series on one grid; the step."""
    stamps = times.asi8
    same = np.ones(len(stamps), bool)
    same[offsets[:-1]] = False  # a series' first row follows another's
    owner = np.repeat(np.arange(len(ids)), np.diff(offsets))
    repeated = pd.DataFrame({'s': owner, 't': stamps}).duplicated() \
        .to_numpy()
    step = np.diff(stamps, prepend=stamps[:1])
    for test, what in ((repeated, 'repeats'),
                       (step < 0, 'goes backwards')):
        bad = np.flatnonzero(test & same)
        if len(bad):
            p = int(bad[0])
            raise ValueError('series {!r}: time {} {} (row {})'.format(
                ids[_series_at(offsets, p)], _when(times[p]), what,
                rows[order[p]]))
    lengths = np.diff(offsets)
    if freq is None:
        freq = _infer(times, offsets, lengths)
        if freq is None:
            raise ValueError('cannot tell the time step: no series has 3 '
                             'regular rows; give the frequency')
    ordinal = _ordinals(times, freq, offsets)
    gap = np.diff(ordinal, prepend=ordinal[:1])
    bad = np.flatnonzero(same & (gap != 1))
    if len(bad):
        p = int(bad[0])
        i = _series_at(offsets, p)
        own = _infer(times[offsets[i]:offsets[i + 1]], np.r_[0, lengths[i]],
                     lengths[i:i + 1])
        if gap[p] > 1 and (own is None or own == freq):
            raise ValueError(
                'series {!r}: {} step(s) missing before {} (row {}); the '
                'step is {}'.format(ids[i], int(gap[p]) - 1, _when(times[p]),
                                    rows[order[p]], freq))
        if own is None:
            raise ValueError('series {!r}: time {} is off the grid of step '
                             '{} (row {})'.format(ids[i], _when(times[p]),
                                                  freq, rows[order[p]]))
        raise ValueError(
            'series {!r} is at another frequency ({}) than the others ({})'
            .format(ids[i], own, freq))
    return freq


def _when(time):
    """A time as text: the date alone at midnight."""
    return str(time.date()) if time == time.normalize() else str(time)


def _infer(times, offsets, lengths, tries=5):
    """The frequency of the longest series that pandas can tell it of
    (of the ``tries`` longest: one irregular series does not hide it)."""
    for i in np.argsort(-np.asarray(lengths), kind='stable')[:tries]:
        if lengths[i] < 3:
            return None
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', message='.*infer_freq')
            freq = pd.infer_freq(times[offsets[i]:offsets[i + 1]])
        if freq is not None:
            return pd.tseries.frequencies.to_offset(freq).freqstr
    return None


def _ordinals(times, freq, offsets):
    """Step numbers of the times on ``freq``'s grid (consecutive steps of
    a series differ by 1; off-grid times by something else)."""
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(offset, pd.offsets.Tick):
        nanos = offset.nanos
        stamps = times.asi8
        first = np.repeat(stamps[offsets[:-1]], np.diff(offsets))
        delta = stamps - first
        ordinal = delta // nanos
        # Off the grid: not a whole number of steps from the first time.
        return np.where(delta % nanos == 0, ordinal, -(2 ** 62))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        period = pd.date_range(times[0], periods=2, freq=offset) \
            .to_period().freqstr
        ordinal = times.to_period(period).asi8
    if offset.n > 1:
        ordinal = np.where(ordinal % offset.n == ordinal[0] % offset.n,
                           ordinal // offset.n, -(2 ** 62))
    return ordinal
