"""The article's recursive validation and prediction (``valid``, ``pred``)
and the window forecasts they rest on (pure functions, CPU results)."""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import chainer
import numpy as np
import pandas as pd

from lstm_chainer._checks import as_series, check_columns, check_int
from lstm_chainer.core.protocols import DataUnitsModel, n_outputs
from lstm_chainer.core.recursion import check_feedback, rollout

if TYPE_CHECKING:
    from lstm_chainer.core.iterator import LSTM_Iterator


def _predictor(model):
    # Accept the training target (LossFuncL) as well as the bare model.
    return getattr(model, 'predictor', model)


def isolated(model):
    """A copy sharing parameters but with its own, fresh LSTM state."""
    copy = _predictor(model).copy(mode='share')
    copy.reset_state()
    return copy


def with_calendar(model, data, array):
    """``array`` with the model's calendar features appended, if it has any.

    Args:
        model: The model (a :class:`Forecaster` may read calendar features).
        data: The DataFrame ``array`` came from (its index gives the times).
        array (numpy.ndarray): The data's values.

    Returns:
        numpy.ndarray: ``(T, targets + features)``, or ``array``.
    """
    model = _predictor(model)
    if not isinstance(model, DataUnitsModel) or not model.calendar:
        return array
    extra = model.prepare(data).to_numpy(np.float64)[:, array.shape[1]:]
    return np.concatenate([array, extra], axis=1)


def _prepare(model, n_steps, s):
    """An isolated copy of ``model``, checked for ``s``."""
    net = isolated(model)
    check_feedback(net, n_steps, s)
    return net


@contextlib.contextmanager
def forward_mode():
    """Test mode, no backprop graph."""
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        yield


def to_cpu(x):
    return chainer.backend.CpuDevice().send(getattr(x, 'array', x))


def recursive_squared_errors(model, iterator: LSTM_Iterator, s: int = 0,
                             fused: bool | None = None
                             ) -> tuple[np.ndarray, int]:
    """Sums squared errors of recursive forecasts over every window.

    The input at step ``i`` is ground truth for ``i <= s`` and the model's
    previous prediction afterwards. Sums (not means) are returned so that
    results from several data parts or processes can simply be added.

    Args:
        model: One-step predictor with ``reset_state()`` (or a wrapper with a
            ``predictor`` attribute). Its state is not touched.
        iterator (LSTM_Iterator): Non-repeating iterator; it is reset first.
        s (int): Last step fed with ground truth.
        fused (bool): Use the fused forward path (``None``: whenever the
            model is a plain :class:`Model`).

    Returns:
        tuple: ``(sse, count)``: ``sse`` of shape ``(seq_len, n_features)``
        (float64, NumPy) and the number of windows.
    """
    s = check_int('s', s, 0)
    if iterator.repeat:
        raise ValueError('iterator must have repeat=False to validate, '
                         'got repeat=True')
    net = _prepare(model, iterator.seq_len, s)
    device = net.device
    iterator.reset()
    sse = np.zeros((iterator.seq_len, iterator.n_targets))
    count = 0
    with forward_mode():
        for xs, ts in iterator:
            xs, ts = device.send(xs), device.send(ts)
            err = rollout(net, xs, len(xs), s, fused=fused) - ts
            sse += to_cpu((err * err).sum(axis=1))
            count += xs.shape[1]
    return sse, count


def forecast_windows(model, xs: np.ndarray, n_steps: int, s: int = 0,
                     fused: bool | None = None) -> np.ndarray:
    """Recursive forecasts for a batch of windows, as a NumPy array.

    Args:
        model: One-step model (its state is left untouched).
        xs (numpy.ndarray): Ground-truth inputs ``(>= min(s + 1, n_steps),
            batch, n_features)``, time-major.
        n_steps (int): Steps to run per window.
        s (int): Last step fed with ground truth.
        fused (bool): Fused forward path (``None``: when supported).

    Returns:
        numpy.ndarray: Outputs ``(n_steps, batch, n_features)``; output
        ``i`` is the forecast for the target of step ``i``.
    """
    n_steps = check_int('n_steps', n_steps, 1)
    s = check_int('s', s, 0)
    net = _prepare(model, n_steps, s)
    xs = np.asarray(xs, dtype=np.float32)
    with forward_mode():
        return to_cpu(rollout(net, net.device.send(xs), n_steps, s,
                               fused=fused))


def rmse_table(sse: np.ndarray, count: int, columns: list | None = None,
               total: str = 'Total', scale=None) -> pd.DataFrame:
    """Turns squared-error sums into the RMSE table of :func:`valid`.

    Args:
        sse (numpy.ndarray): ``(seq_len, n_features)`` sums over windows.
        count (int): Number of windows summed.
        columns (list): Variable names (default ``0 .. n_features - 1``).
        total (str): Name of the all-variable column.
        scale (array-like): Per-variable scale; when given, the total is the
            RMSE of the errors divided by it (variables in different units
            are then comparable: standardised units).

    Returns:
        pandas.DataFrame: Index ``1 .. seq_len`` (horizon); one RMSE column
        per variable and ``total``.
    """
    sse = np.asarray(sse, dtype=np.float64)
    per_variable = np.sqrt(sse / count)
    table = pd.DataFrame(per_variable, columns=columns)
    if scale is not None:
        sse = sse / np.asarray(scale, dtype=np.float64) ** 2
    table[total] = np.sqrt(sse.sum(axis=1) / (count * sse.shape[1]))
    table.index = pd.RangeIndex(1, len(table) + 1, name='horizon')
    return table


def valid(model, test_iter: LSTM_Iterator, total: str = 'Total', s: int = 0,
          fused: bool | None = None) -> pd.DataFrame:
    """RMSE of recursive forecasts per horizon step and variable.

    Args:
        model: One-step predictor (its state is left untouched).
        test_iter (LSTM_Iterator): Non-repeating iterator over the test data.
        total (str): Name of the column with the RMSE over all variables.
        s (int): Last step fed with ground truth (``0``: only the first).
        fused (bool): Fused forward path (``None``: when supported).

    Returns:
        pandas.DataFrame: Index ``1 .. seq_len``; one column per variable
        (the data's names when it had some) plus ``total``. For a
        :class:`Forecaster` the variables are in data units and the total in
        standardised units (so that different units can be pooled).
    """
    check_columns(model, test_iter.columns)
    sse, count = recursive_squared_errors(model, test_iter, s, fused)
    # A model in data units says how to pool its variables in the total.
    scale = model.unit_scale if isinstance(model, DataUnitsModel) else None
    columns = test_iter.columns
    if columns is not None:
        columns = columns[:test_iter.n_targets]
    return rmse_table(sse, count, columns, total, scale)


def _target_index(data, diff, seq):
    """Index of forecast targets: positions, or the data's RangeIndex."""
    index = getattr(data, 'index', None)
    if isinstance(index, pd.RangeIndex):
        return pd.RangeIndex(index.start + diff * index.step,
                             index.start + (seq + diff) * index.step,
                             index.step, name=index.name or 't')
    return pd.RangeIndex(diff, seq + diff, name='t')


def pred(model, data, seq: int, s: int = 0, diff: int = 1,
         fused: bool | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Forecasts ``seq`` steps recursively from the start of ``data``.

    The input at step ``i`` is ``data[i]`` for ``i <= s`` and the previous
    prediction afterwards; the output of step ``i`` forecasts the value at
    position ``i + diff``. The forecast runs past the end of ``data``.

    Args:
        model: One-step predictor (its state is left untouched).
        data: 2-D array or DataFrame; at least ``s + 1`` rows.
        seq (int): Number of steps to forecast.
        s (int): Last step fed with ground truth.
        diff (int): Offset of the target (the model's ``pred``).
        fused (bool): Fused forward path (``None``: when supported).

    Returns:
        tuple: ``(predictions, truth)`` DataFrames with ``seq`` rows indexed
        by the target's position ``i + diff`` (continuing the data's index
        when it is a ``RangeIndex``); ``truth`` is NaN past the data.
    """
    array, columns = as_series('data', data, dtype=np.float64)
    check_columns(model, columns)
    array = with_calendar(model, data, array)
    seq = check_int('seq', seq, 1)
    s = check_int('s', s, 0)
    diff = check_int('diff', diff, 1)
    n_out = n_outputs(model, array.shape[1])
    # Covariates (inputs past the outputs) are read at every step.
    n_truth = min(s + 1, seq) if n_out == array.shape[1] else seq
    if n_truth > len(array):
        raise ValueError(
            '{} needs {} rows of data as inputs, data has {}'.format(
                's ({})'.format(s) if n_out == array.shape[1] else
                'a model with covariates', n_truth, len(array)))
    net = _prepare(model, seq, s)
    # A model that reads the covariates of the row each step predicts
    # (lead) needs the rows after the inputs too, as far as the data goes.
    extra = getattr(_predictor(model), 'lead', 0) if n_truth == seq else 0
    xs = net.device.send(array[:n_truth + extra, None, :])
    with forward_mode():
        forecast = to_cpu(rollout(net, xs, seq, s, fused=fused))[:, 0, :]
    forecast = forecast.astype(np.float64)
    index = _target_index(data, diff, seq)
    predictions = pd.DataFrame(
        forecast, index=index,
        columns=None if columns is None else columns[:n_out])
    truth = pd.DataFrame(np.nan, index=index,
                         columns=predictions.columns)
    known = array[diff:seq + diff, :n_out]
    truth.iloc[:len(known)] = known
    return predictions, truth
