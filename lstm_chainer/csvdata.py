"""Loading a time series from CSV, splitting it in time order, its time axis.

Every problem with the file raises ``ValueError`` with a one-line message
that names the file and, where it applies, the column and the row (rows are
counted as in a spreadsheet: the header is row 1).
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd

FILL_METHODS = ('interpolate',)


def _row(position):
    """Spreadsheet row number of a 0-based data position (header = 1)."""
    return int(position) + 2


def load_csv(path: str, columns: list | None = None,
             time_column: str | None = None, fill: str | None = None
             ) -> pd.DataFrame:
    """Reads a multivariate series from a CSV file.

    Args:
        path (str): CSV file with a header row.
        columns (list): Variables to use; default every numeric column
            except ``time_column``.
        time_column (str): Column of timestamps that becomes the index; it
            must parse as dates and strictly increase.
        fill (str): ``'interpolate'`` fills empty or NaN cells linearly in
            time (and the edges with the nearest value); ``None`` refuses them.

    Returns:
        pandas.DataFrame: float64 columns, indexed by a DatetimeIndex (with
        ``time_column``) or a RangeIndex.
    """
    if fill is not None and fill not in FILL_METHODS:
        raise ValueError('fill must be one of {}, got {!r}'.format(
            FILL_METHODS, fill))
    if not os.path.isfile(path):
        raise ValueError('{}: no such file'.format(path))
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError as e:
        raise ValueError('{}: the file is empty'.format(path)) from e
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise ValueError('{}: not a readable CSV file ({})'.format(
            path, str(e).strip().splitlines()[0])) from e
    if frame.empty:
        raise ValueError('{}: the file has a header but no data rows'.format(
            path))

    if time_column is not None:
        index = _time_index(path, frame, time_column)
        frame = frame.drop(columns=[time_column])
    else:
        index = pd.RangeIndex(len(frame))

    if columns is None:
        columns = [c for c in frame.columns if _is_numeric(frame[c])]
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
    data = frame[list(columns)]
    for name in data.columns:
        if not _is_numeric(data[name]):
            bad = pd.to_numeric(data[name], errors='coerce').isna() \
                & data[name].notna()
            position = int(np.argmax(bad.to_numpy()))
            raise ValueError(
                '{}: column {!r} is not numeric (row {}: {!r})'.format(
                    path, name, _row(position), data[name].iloc[position]))
    data = data.astype(np.float64)
    data.index = index

    missing = ~np.isfinite(data.to_numpy())
    if missing.any():
        if fill is None:
            cells = np.argwhere(missing)
            shown = ', '.join('row {} column {!r}'.format(
                _row(r), data.columns[c]) for r, c in cells[:3])
            raise ValueError(
                '{}: {} empty or NaN cell(s), first at {}; pass --fill '
                'interpolate to fill them'.format(path, len(cells), shown))
        data = data.mask(~np.isfinite(data))
        method = 'time' if time_column is not None else 'linear'
        data = data.interpolate(method=method, limit_direction='both')
        if data.isna().any().any():
            empty = [c for c in data.columns if data[c].isna().all()]
            raise ValueError('{}: column(s) {} have no value to interpolate '
                             'from'.format(path, ', '.join(map(repr, empty))))
    return data


def _is_numeric(column):
    return pd.api.types.is_numeric_dtype(column) \
        and not pd.api.types.is_bool_dtype(column)


def _time_index(path, frame, time_column):
    if time_column not in frame.columns:
        raise ValueError('{}: unknown time column {!r} (the file has {})'
                         .format(path, time_column,
                                 ', '.join(map(repr, frame.columns))))
    raw = frame[time_column]
    parsed = pd.to_datetime(raw, errors='coerce')
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
