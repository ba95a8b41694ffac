"""Loading a time series from CSV, splitting it in time order, its time axis.

Every problem with the file raises ``ValueError`` with a one-line message
that names the file and, where it applies, the column and the row (rows are
counted as in a spreadsheet: the header is row 1).
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import os
import re
import warnings

import numpy as np
import pandas as pd

FILL_METHODS = ('interpolate',)


def _row(position):
    """Spreadsheet row number of a 0-based data position (header = 1)."""
    return int(position) + 2


def load_csv(path: str, columns: list | None = None,
             time_column: str | None = None, fill: str | None = None,
             sep: str | None = None, thousands: str | None = None,
             dayfirst: bool | None = None, time_unit: str | None = None,
             decimal: str | None = None) -> pd.DataFrame:
    """Reads a multivariate series from a CSV file.

    Nothing is guessed silently: what was dropped or inferred is listed in
    ``data.attrs['notes']``, and what cannot be told apart is refused with
    the option that settles it.

    Args:
        path (str): CSV file with a header row.
        columns (list): Variables to use; default every numeric column
            except ``time_column`` (text columns are skipped, with a note;
            a column of numbers with a few bad cells is refused).
        time_column (str): Column of timestamps that becomes the index; it
            must parse as dates and strictly increase.
        fill (str): ``'interpolate'`` fills empty, NaN or non-numeric
            cells linearly in time (and the edges with the nearest value);
            ``None`` refuses them.
        sep (str): Field separator (default: ``;`` or a tab when the header
            has one and no comma, else ``,``).
        thousands (str): Thousands separator inside numbers (e.g. ``,``).
        dayfirst (bool): Dates like ``01/02/2018`` are day first
            (``None``: decided from the data, refused when both readings
            work).
        time_unit (str): A numeric time column holds Unix times in this unit
            (``s``, ``ms``, ``us``, ``ns``; ``None``: decided from the
            magnitude, refused for plain counters).
        decimal (str): Decimal mark (``None``: ``,`` when the separator is
            ``;`` and numbers are written ``12,5`` and never ``12.5``, with
            a note; else ``.``).

    A gzip-compressed file (``.csv.gz``) is read as it is. Quarters written
    ``1970 Q1``, ``1970-Q1`` or ``1970Q1`` are read as the quarters' first
    days.

    Returns:
        pandas.DataFrame: float64 columns, indexed by a DatetimeIndex (with
        ``time_column``) or a RangeIndex; ``attrs['text_columns']`` names
        the columns left out (text, or not asked for).
    """
    if fill is not None and fill not in FILL_METHODS:
        raise ValueError('fill must be one of {}, got {!r}'.format(
            FILL_METHODS, fill))
    frame = read_table(path, sep, thousands, decimal)
    notes = frame.attrs.pop('notes')

    if time_column is not None:
        index = _time_index(path, frame, time_column, dayfirst, time_unit,
                            notes)
        frame = frame.drop(columns=[time_column])
    else:
        index = pd.RangeIndex(len(frame))

    if columns is None:
        columns = [c for c in frame.columns if _is_numeric(frame[c])]
        for name in frame.columns:
            if name not in columns and looks_numeric(frame[name]):
                if fill is None:
                    _refuse_text_cell(path, frame[name], thousands)
                columns.append(name)
        skipped = [c for c in frame.columns if c not in columns]
        if skipped:
            notes.append('skipped the text column(s) {}'.format(
                ', '.join(map(repr, skipped))))
        columns = [c for c in frame.columns if c in columns]
        if not columns:
            raise ValueError('{}: no numeric column to use'.format(path))
    else:
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise ValueError('{}: unknown column(s) {} (the file has {})'
                             .format(path, ', '.join(map(repr, unknown)),
                                     ', '.join(map(repr, frame.columns))))
        if len(set(columns)) != len(columns):
            raise ValueError('{}: columns are listed twice: {}'.format(
                path, columns))
    data = frame[list(columns)].copy()
    for name in data.columns:
        if not _is_numeric(data[name]):
            if fill is None or not looks_numeric(data[name]):
                _refuse_text_cell(path, data[name], thousands)
            data[name] = pd.to_numeric(data[name], errors='coerce')
    data = data.astype(np.float64)
    data.index = index
    if time_column is not None:
        data = _insert_missing_rows(path, data, time_column, fill, notes)

    infinite = np.isinf(data.to_numpy())
    if infinite.any():
        r, c = np.argwhere(infinite)[0]
        raise ValueError('{}: row {} column {!r} is infinite ({:g}); fix or '
                         'remove it'.format(path, _row(r), data.columns[c],
                                            data.iat[r, c]))
    missing = ~np.isfinite(data.to_numpy())
    if missing.any():
        if fill is None:
            cells = np.argwhere(missing)
            shown = ', '.join('row {} column {!r}'.format(
                _row(r), data.columns[c]) for r, c in cells[:3])
            raise ValueError(
                '{}: {} empty or NaN cell(s), first at {}; pass --fill '
                'interpolate to fill them'.format(path, len(cells), shown))
        notes.append('filled {} empty or non-numeric cell(s) by '
                     'interpolation'.format(int(missing.sum())))
        data = data.mask(~np.isfinite(data))
        method = 'time' if time_column is not None else 'linear'
        data = data.interpolate(method=method, limit_direction='both')
        if data.isna().any().any():
            empty = [c for c in data.columns if data[c].isna().all()]
            raise ValueError('{}: column(s) {} have no value to interpolate '
                             'from'.format(path, ', '.join(map(repr, empty))))
    data.attrs['notes'] = notes
    data.attrs['text_columns'] = [c for c in frame.columns
                                  if c not in data.columns]
    return data


# pandas' default missing-value markers, read as NaN in every column but
# the text ones.
_MISSING = ('', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN',
            '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN',
            'None', 'n/a', 'nan', 'null')


def read_table(path: str, sep: str | None = None,
               thousands: str | None = None, decimal: str | None = None,
               text=()) -> pd.DataFrame:
    """Reads a CSV file as a table, as :func:`load_csv` and the long tables
    of collections both do: gzip by its first bytes, the separator and
    decimal mark as :func:`load_csv` detects them, unnamed columns
    dropped with a note; refused in one line naming the file.

    Args:
        path (str): The file.
        sep, thousands, decimal (str): As :func:`load_csv`'s.
        text (sequence): Columns read as text as written (ids, static
            columns: ``007``, ``NA`` and ``None`` stay names).

    Returns:
        pandas.DataFrame: The table as read; ``attrs['notes']`` lists what
        was inferred or dropped.
    """
    if os.path.isdir(path):
        raise ValueError('{}: is a directory, not a CSV file'.format(path))
    if not os.path.isfile(path):
        raise ValueError('{}: no such file'.format(path))
    notes = []
    header, sep = _header(path, sep)
    _check_header(path, header)
    if decimal is None:
        decimal = _decimal_mark(path, sep, thousands, notes)
    text = [name for name in text if name in header]
    # Text columns keep every cell as written; the others read the usual
    # missing-value markers as NaN.
    missing = {name: list(_MISSING) for name in header
               if name not in text}
    try:
        frame = pd.read_csv(path, sep=sep, thousands=thousands,
                            decimal=decimal, compression=_compression(path),
                            dtype={name: str for name in text},
                            keep_default_na=not text,
                            na_values=missing if text else None)
    except pd.errors.EmptyDataError as e:
        raise ValueError('{}: the file is empty'.format(path)) from e
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError,
            OSError) as e:
        raise ValueError('{}: not a readable CSV file ({})'.format(
            path, str(e).strip().splitlines()[0])) from e
    if frame.empty:
        raise ValueError('{}: the file has a header but no data rows'.format(
            path))
    frame = _drop_unnamed(path, frame, header, notes)
    frame.attrs['notes'] = notes
    return frame


_GZIP_MAGIC = b'\x1f\x8b'


def _compression(path):
    """'gzip' for a gzip-compressed file (by its first bytes), else None."""
    with open(path, 'rb') as f:
        return 'gzip' if f.read(2) == _GZIP_MAGIC else None


def _open_text(path):
    if _compression(path):
        return gzip.open(path, 'rt', newline='', encoding='utf-8')
    return open(path, newline='', encoding='utf-8')


_COMMA_DECIMAL = re.compile(r'^-?\d+,\d+$')
_POINT_DECIMAL = re.compile(r'^-?\d+\.\d+$')


def _decimal_mark(path, sep, thousands, notes, rows=200):
    """',' where a ';'-separated file writes its numbers 12,5 (and none
    12.5), else '.'."""
    if sep == ',' or thousands == ',':
        return '.'
    with _open_text(path) as f:
        f.readline()
        cells = [cell.strip().strip('"') for _, line in zip(range(rows), f)
                 for cell in line.rstrip('\r\n').split(sep)]
    comma = sum(bool(_COMMA_DECIMAL.match(c)) for c in cells)
    point = sum(bool(_POINT_DECIMAL.match(c)) for c in cells)
    if comma and not point:
        notes.append('read numbers like {!r} with a decimal comma (pass '
                     '--decimal . to say otherwise)'.format(next(
                         c for c in cells if _COMMA_DECIMAL.match(c))))
        return ','
    return '.'


def _header(path, sep):
    """The header's raw names and the separator."""
    try:
        with _open_text(path) as f:
            first = f.readline()
    except (UnicodeDecodeError, OSError, EOFError) as e:
        raise ValueError('{}: not a readable CSV file (not UTF-8 text: {})'
                         .format(path, e)) from e
    if not first.strip():
        raise ValueError('{}: the file is empty'.format(path))
    if sep is None:
        sep = ','
        for other in (';', '\t'):
            if other in first and ',' not in first:
                sep = other
    return next(csv.reader([first], delimiter=sep)), sep


def read_header(path, sep=None):
    """The column names of a CSV file's header (refused when unreadable).

    Args:
        path (str): The file.
        sep (str): Field separator (default: detected as by
            :func:`load_csv`).

    Returns:
        list: The names.
    """
    if not os.path.isfile(path):
        raise ValueError('{}: no such file'.format(path))
    return _header(path, sep)[0]


def _check_header(path, names):
    seen = {}
    for k, name in enumerate(names):
        if name and name in seen:
            raise ValueError('{}: the column name {!r} appears twice (columns '
                             '{} and {}); rename one'.format(
                                 path, name, seen[name] + 1, k + 1))
        seen[name] = k


def _drop_unnamed(path, frame, header, notes):
    """Drops a trailing empty column and the index column pandas writes."""
    for k, name in enumerate(header):
        if name.strip() or k >= len(frame.columns):
            continue
        column = frame.columns[k]
        values = frame[column]
        if values.isna().all():
            notes.append('dropped the empty column {} (a trailing '
                         'separator?)'.format(k + 1))
        elif k == 0 and _is_numeric(values) and \
                (values.to_numpy() == np.arange(len(values))).all():
            notes.append('dropped the unnamed first column 0, 1, 2, ... (an '
                         'index written by pandas)')
        else:
            raise ValueError('{}: column {} has no name in the header'.format(
                path, k + 1))
        frame = frame.drop(columns=[column])
    return frame


def looks_numeric(column):
    """Text whose cells are nearly all numbers (a few bad cells)."""
    cells = column.dropna()
    if not len(cells) or _is_numeric(column):
        return False
    # Numbers with thousands separators ("1,234.5") count as numbers here.
    plain = cells.astype(str).str.replace(r'(?<=\d),(?=\d{3}\b)', '',
                                          regex=True)
    parsed = pd.to_numeric(plain, errors='coerce')
    return parsed.notna().mean() >= 0.9


def _refuse_text_cell(path, column, thousands):
    bad = (pd.to_numeric(column, errors='coerce').isna()
           & column.notna()).to_numpy()
    position = int(np.argmax(bad))
    value = column.iloc[position]
    hint = ''
    if thousands is None and isinstance(value, str) and \
            re.fullmatch(r'-?\d{1,3}(,\d{3})+(\.\d+)?', value.strip()):
        hint = '; it looks like a thousands separator: pass --thousands ,'
    elif looks_numeric(column):
        hint = ('; fix the cell, pass --fill interpolate to treat it as '
                'missing, or leave the column out with --columns')
    raise ValueError('{}: column {!r} is not numeric (row {}: {!r}){}'.format(
        path, column.name, _row(position), value, hint))


def _is_numeric(column):
    return pd.api.types.is_numeric_dtype(column) \
        and not pd.api.types.is_bool_dtype(column)


_UNITS = (('s', 1e8, 1e10), ('ms', 1e11, 1e13), ('us', 1e14, 1e16),
          ('ns', 1e17, 1e19))
_SLASHED = re.compile(r'^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\b')


def regular_step(index, samples=200):
    """The step of a time index that is regular but for missing rows.

    The step most runs of five consecutive rows share; the index is
    regular with gaps when every time lies on that step's grid.

    Args:
        index (pandas.DatetimeIndex): Increasing times.
        samples (int): Runs looked at (spread over the index).

    Returns:
        tuple: ``(freq, grid)``, the step and the full index from the first
        to the last time; ``None`` when the index is regular already, too
        short, or on no grid.
    """
    if len(index) < 6:
        return None
    starts = np.unique(np.linspace(0, len(index) - 5, samples).astype(int))
    found = {}
    with warnings.catch_warnings():
        # pandas >= 3.1 announces that infer_freq will return an offset.
        warnings.filterwarnings('ignore', message='.*infer_freq')
        if pd.infer_freq(index) is not None:
            return None
        for start in starts:
            freq = pd.infer_freq(index[start:start + 5])
            if freq is not None:
                found[freq] = found.get(freq, 0) + 1
    if not found:
        return None
    freq = max(found, key=found.get)
    try:
        grid = pd.date_range(index[0], index[-1], freq=freq, name=index.name)
    except (ValueError, OverflowError):
        return None
    if len(grid) <= len(index) or not index.isin(grid).all() \
            or len(grid) > 100 * len(index):
        return None
    return pd.tseries.frequencies.to_offset(freq).freqstr, grid


def _insert_missing_rows(path, data, time_column, fill, notes):
    """Refuses a time column with missing rows of a regular step, or
    (with ``fill``) inserts them as empty cells to be filled."""
    regular = regular_step(data.index)
    if regular is None:
        return data
    freq, grid = regular
    missing = grid.difference(data.index)
    if fill is None:
        raise ValueError(
            '{}: time column {!r} has a step of {} with {} missing row(s), '
            'the first {} (after row {}); pass --fill interpolate to insert '
            'and fill them, or leave out the time column to treat the rows '
            'as consecutive'.format(
                path, time_column, freq, len(missing), missing[0],
                _row(int(data.index.searchsorted(missing[0])) - 1)))
    notes.append('inserted {} missing row(s) of the {} step, filled by '
                 'interpolation'.format(len(missing), freq))
    return data.reindex(grid)


def _parse_times(path, raw, time_column, dayfirst, time_unit, notes):
    if _is_numeric(raw):
        if time_unit is None:
            low, high = float(raw.min()), float(raw.max())
            for unit, lo, hi in _UNITS:
                if lo <= low and high <= hi:
                    time_unit = unit
                    notes.append('read the time column {!r} as Unix times in '
                                 '{} (pass --time-unit to say otherwise)'
                                 .format(time_column, unit))
                    break
            else:
                raise ValueError(
                    '{}: time column {!r} holds plain numbers ({:g} .. {:g}), '
                    'not dates; pass --time-unit s, ms, us or ns if they are '
                    'Unix times, or leave out the time column'.format(
                        path, time_column, low, high))
        return pd.to_datetime(raw, unit=time_unit, errors='coerce')
    if time_unit is not None:
        raise ValueError('{}: --time-unit is for numeric time columns; {!r} '
                         'holds text'.format(path, time_column))
    text = raw.astype(str)
    if dayfirst is None:
        parts = text.str.extract(_SLASHED).dropna()
        if len(parts) == len(text):
            first, second = parts[0].astype(int), parts[1].astype(int)
            if (first > 12).any():
                dayfirst = True
            elif (second > 12).any():
                dayfirst = False
            else:
                readings = [_to_datetime(text, d) for d in (False, True)]
                usable = [r.notna().all() and r.is_monotonic_increasing
                          and r.is_unique for r in readings]
                if all(usable) and not readings[0].equals(readings[1]):
                    raise ValueError(
                        '{}: the dates of {!r} read both month first and day '
                        'first (row 2: {!r}); pass --dayfirst or --monthfirst'
                        .format(path, time_column, raw.iloc[0]))
                dayfirst = bool(usable[1] and not usable[0])
            if dayfirst:
                notes.append('read the dates of {!r} day first'.format(
                    time_column))
    return _to_datetime(text, bool(dayfirst))


_QUARTER = re.compile(r'^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$')


def _to_datetime(text, dayfirst):
    quarters = text.str.extract(_QUARTER)
    if len(text) and quarters.notna().all().all():
        # 1970 Q1, 1970-Q1: the quarter's first day (pandas reads neither).
        return pd.to_datetime(pd.DataFrame({
            'year': quarters[0].astype(int),
            'month': 3 * quarters[1].astype(int) - 2, 'day': 1}))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)  # format inference
        return utc_if_mixed(lambda **utc: pd.to_datetime(
            text, errors='coerce', dayfirst=dayfirst, **utc))


def utc_if_mixed(parse):
    """``parse()``, or, where the times carry several UTC offsets (one
    zone across a daylight-saving change), ``parse(utc=True)`` as naive UTC
    times: one regular step, no repeated or missing hour."""
    with warnings.catch_warnings():
        # pandas 2 returns the times as objects, with this warning.
        warnings.filterwarnings('ignore', message='.*mixed time zones',
                                category=FutureWarning)
        try:
            parsed = parse()
        except ValueError as error:
            if 'Mixed timezones' not in str(error):
                raise
            parsed = None
    if parsed is None or (parsed.dtype == object and parsed.map(
            lambda v: getattr(v, 'tzinfo', None) is not None).any()):
        return parse(utc=True).dt.tz_convert(None)
    return parsed


def _time_index(path, frame, time_column, dayfirst, time_unit, notes):
    if time_column not in frame.columns:
        raise ValueError('{}: unknown time column {!r} (the file has {})'
                         .format(path, time_column,
                                 ', '.join(map(repr, frame.columns))))
    raw = frame[time_column]
    parsed = _parse_times(path, raw, time_column, dayfirst, time_unit, notes)
    bad = parsed.isna().to_numpy()
    if bad.any():
        position = int(np.argmax(bad))
        raise ValueError('{}: time column {!r} has a value that is not a '
                         'date (row {}: {!r})'.format(
                             path, time_column, _row(position),
                             raw.iloc[position]))
    steps = np.diff(parsed.to_numpy())
    zero = np.timedelta64(0, 's')
    if (steps == zero).any():
        position = int(np.argmax(steps == zero)) + 1
        raise ValueError('{}: duplicate timestamp {} in {!r} (rows {} and {})'
                         .format(path, parsed.iloc[position], time_column,
                                 _row(position - 1), _row(position)))
    if (steps < zero).any():
        position = int(np.argmax(steps < zero)) + 1
        raise ValueError('{}: time column {!r} is not increasing (row {}: {} '
                         'comes after {})'.format(
                             path, time_column, _row(position),
                             parsed.iloc[position], parsed.iloc[position - 1]))
    return pd.DatetimeIndex(parsed, name=time_column)


def split_series(data: pd.DataFrame, test_size: float
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Splits a series in time order: the first part trains, the rest tests.

    Args:
        data (pandas.DataFrame): The whole series.
        test_size (float): Fraction in (0, 1) held out at the end.

    Returns:
        tuple: ``(train, test)`` DataFrames.
    """
    if not 0 < test_size < 1:
        raise ValueError('test_size must be in (0, 1), got {}'.format(
            test_size))
    n_test = int(round(len(data) * test_size))
    n_test = min(max(n_test, 1), len(data) - 1)
    return data.iloc[:len(data) - n_test], data.iloc[len(data) - n_test:]


def time_step(index):
    """The regular step of a time index, for extending it into the future.

    Args:
        index (pandas.Index): A DatetimeIndex, or anything else (positions).

    Returns:
        str or None: A pandas frequency string (inferred, or the median
        spacing when irregular); ``None`` for a non-time index.
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 2:
        return None
    freq = index.freq
    if freq is None and len(index) >= 3:
        with warnings.catch_warnings():
            # pandas >= 3.1 announces an offset instead of a string; either
            # goes through to_offset below.
            warnings.filterwarnings('ignore', message='.*infer_freq')
            freq = pd.infer_freq(index)
    if freq is not None:
        return pd.tseries.frequencies.to_offset(freq).freqstr
    median = pd.Series(index).diff().median()
    return pd.tseries.frequencies.to_offset(median).freqstr


def future_index(index, steps, freq=None):
    """The ``steps`` index labels that follow ``index``.

    Args:
        index (pandas.Index): Index of the history.
        steps (int): Number of future labels.
        freq (str): Time step; default :func:`time_step` of ``index``.

    Returns:
        pandas.Index: Future timestamps for a DatetimeIndex, else the
        integer positions after the history.
    """
    if isinstance(index, pd.DatetimeIndex):
        freq = freq or time_step(index)
        if freq is None:
            raise ValueError('cannot tell the time step of a one-row history')
        return pd.date_range(index[-1], periods=steps + 1, freq=freq,
                             name=index.name)[1:]
    if isinstance(index, pd.RangeIndex):
        start = index.stop
        return pd.RangeIndex(start, start + steps * index.step, index.step,
                             name=index.name)
    return pd.RangeIndex(len(index), len(index) + steps, name=index.name)


def sha256(path):
    """str: The SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def load_model_data(forecaster, path=None, fill=None, reading=None,
                    where='the model'):
    """Reads the CSV a saved model works on, with the model's columns.

    Args:
        forecaster: A loaded :class:`Forecaster` (its ``record`` says how
            its training file was read).
        path (str): Another file (default: the training file, which must
            still have the rows it had).
        fill (str): ``'interpolate'`` to fill empty cells (default: as in
            training, for the training file).
        reading (dict): ``sep``, ``thousands``, ``dayfirst``, ``time_unit``
            (``None`` entries: as in training, for the training file).
        where (str): Names the model in messages.

    Returns:
        pandas.DataFrame: The data, targets then covariates.
    """
    record = forecaster.record
    reading = dict({'sep': None, 'thousands': None, 'dayfirst': None,
                    'time_unit': None, 'decimal': None}, **(reading or {}))
    if path is None:
        path = record.data.path
        fill = fill or record.data.fill
        for key, value in (record.data.reading or {}).items():
            if reading.get(key) is None:
                reading[key] = value
        if not path or not os.path.isfile(path):
            raise ValueError('the training data {} is gone; pass --data'
                             .format(path))
        rows = record.data.rows
    else:
        rows = None
    header = read_header(path, reading['sep'])
    missing = [c for c in forecaster.data_columns if c not in header]
    if missing:
        raise ValueError('{}: lacks the column(s) {} that the model in {} was '
                         'trained on ({})'.format(
                             path, ', '.join(map(repr, missing)), where,
                             ', '.join(forecaster.columns)))
    data = load_csv(path, forecaster.data_columns, record.time_column, fill,
                    **reading)
    if rows is not None and len(data) != rows:
        raise ValueError('{} has {} rows, {} when the model was trained; pass '
                         '--data to use it as it is now'.format(
                             path, len(data), rows))
    return data
