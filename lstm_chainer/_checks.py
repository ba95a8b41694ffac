"""Argument checks shared by the public API.

Every check raises ``ValueError`` naming the argument and the offending value,
so bad input never surfaces as a traceback from deep inside Chainer or NumPy.
"""
import numbers

import numpy as np

from lstm_chainer.core.protocols import DataUnitsModel


def check_int(name, value, minimum=None):
    """Returns ``value`` as an ``int`` or raises ``ValueError``.

    Args:
        name (str): Argument name used in the message.
        value: Value to check. Booleans and non-integral numbers are refused.
        minimum (int): Smallest accepted value, or ``None``.

    Returns:
        int: The value.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, numbers.Integral):
        raise ValueError('{} must be an integer, got {!r}'.format(name, value))
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError('{} must be >= {}, got {}'.format(
            name, minimum, value))
    return value


def check_positive(name, value):
    """Returns ``value`` as a ``float`` or raises ``ValueError`` unless > 0.

    Args:
        name (str): Argument name used in the message.
        value: Number to check.

    Returns:
        float: The value.
    """
    try:
        number = float(value)
    except (TypeError, ValueError) as e:
        raise ValueError('{} must be a number, got {!r}'.format(
            name, value)) from e
    if not number > 0:
        raise ValueError('{} must be > 0, got {!r}'.format(name, value))
    return number


def as_series(name, data, dtype=np.float32):
    """Validates a 2-D time series and returns it as an array plus names.

    Args:
        name (str): Argument name used in the message.
        data: 2-D array-like (time, variables) or a ``pandas.DataFrame``.
        dtype: Floating dtype of the returned array.

    Returns:
        tuple: ``(array, columns)``; ``columns`` is the list of the
        DataFrame's column names, or ``None`` for a plain array.
    """
    columns = None
    if hasattr(data, 'columns') and hasattr(data, 'to_numpy'):
        columns = list(data.columns)
        kinds = [dt.kind for dt in data.dtypes]
        bad = [c for c, k in zip(columns, kinds) if k not in 'iuf']
        if bad:
            raise ValueError('{}: column(s) {} are not numeric'.format(
                name, ', '.join(repr(c) for c in bad)))
        data = data.to_numpy()
    # Chainer arrays (CuPy or Variables) are accepted and brought to the CPU.
    data = getattr(data, 'array', data)
    if hasattr(data, 'get') and not isinstance(data, np.ndarray):
        data = data.get()
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as e:
        raise ValueError('{} is not array-like: {}'.format(name, e)) from e
    if array.dtype.kind not in 'iuf':
        raise ValueError('{} must hold real numbers, got dtype {}'.format(
            name, array.dtype))
    if array.ndim != 2:
        raise ValueError(
            '{} must be 2-D (time, variables), got shape {}'.format(
                name, array.shape))
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError('{} is empty (shape {})'.format(name, array.shape))
    array = array.astype(dtype, copy=False)
    finite = np.isfinite(array)
    if not finite.all():
        row, col = (int(v) for v in np.argwhere(~finite)[0])
        label = columns[col] if columns is not None else col
        raise ValueError('{} holds NaN or inf (first at row {}, column {!r})'
                         .format(name, row, label))
    return np.ascontiguousarray(array), columns


def check_columns(model, columns):
    """A model that knows its variables refuses data with other columns.

    Args:
        model: Anything; checked when it has ``columns``.
        columns (list): The data's column names, or ``None``.
    """
    if not isinstance(model, DataUnitsModel):
        return
    expected = model.data_columns
    if expected is not None and columns is not None \
            and list(columns) != list(expected):
        raise ValueError('the data has columns {} but the model was trained '
                         'on {}'.format(list(columns), list(expected)))
