"""Forecasting past the data in data units: :func:`forecast`."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lstm_chainer._checks import check_int
from lstm_chainer.core.evaluation import pred
from lstm_chainer.core.protocols import DataUnitsModel
from lstm_chainer.data.collection import Collection
from lstm_chainer.data.csvdata import future_index
from lstm_chainer.forecasting import combination
from lstm_chainer.forecasting.evaluation.intervals import with_intervals
from lstm_chainer.forecasting.models.pretrained import (
    forecast_pretrained,
    is_pretrained,
)


def _reads_table(model, history):
    """bool: A global model forecasts ``history``'s columns as series: it
    is a table (not a collection), and the model reads one target and no
    static or covariate inputs (calendar features read the table's
    times)."""
    st = model.settings
    return isinstance(history, (pd.DataFrame, pd.Series, np.ndarray)) \
        and model.members[0].n_output == 1 \
        and not (st.static or st.covariates)


def forecast(model, history, steps: int, s: int | None = None,
             diff: int | None = None, freq: str | None = None,
             context: int | None = None, future=None,
             intervals: bool = False, season: int | None = None
             ) -> pd.DataFrame:
    """Forecasts ``steps`` values past the end of ``history``.

    The model is warmed up on the history (ground truth for steps
    ``0 .. s``, by default the whole history) and then fed its own
    predictions until ``steps`` values lie beyond the last row.

    Args:
        model: One-step model, e.g. a :class:`Forecaster` from
            ``load_model`` (then in data units).
        history: DataFrame (a DatetimeIndex gives future timestamps) or
            2-D array, oldest row first; for a global model, a
            :class:`~lstm_chainer.Collection` of series (or, where it
            forecasts one target without static or covariate inputs, a
            table: each column a series, forecast as a wide table).
        steps (int): Number of future values.
        s (int): Last history step fed as ground truth (default: all).
        diff (int): Target offset (default: the Forecaster's ``pred``, 1).
        freq (str): Time step of a DatetimeIndex (default: inferred).
        context (int): Warm up on only the last ``context`` rows (plus
            the rows a model's transforms look back); default: the context
            a loaded model was trained and backtested with (as ``pred``
            on the command line), else all rows.
        future (pandas.DataFrame): For a model with covariates, their
            values at the ``steps`` future times (indexed by them; a
            Collection of them after every series for a global model).
        intervals (bool): Add ``<column>_lower_<pct>`` and
            ``_upper_<pct>`` columns from the conformal half-widths that
            ``lstm-chainer train`` saved with the model
            (:func:`~lstm_chainer.with_intervals`); a pretrained model
            calibrates them on the history itself.
        season (int): A pretrained model's season for this data (default:
            its time step's).

    The pretrained model (:func:`~lstm_chainer.pretrained`) forecasts a
    table (each column as a series of its own) or a collection without
    training (:func:`~lstm_chainer.forecasting.models.pretrained.zero_shot`).

    A forecaster with a combination (:attr:`Forecaster.combination`)
    mixes in Theta's forecast from the whole history.

    Returns:
        pandas.DataFrame: ``steps`` rows indexed by future timestamps (or
        positions after the history); for a collection, the long table of
        :meth:`~lstm_chainer.GlobalForecaster.forecast_frame`.
        ``attrs['notes']`` says what the forecast rests on that a user
        should know (a short history, widths carried past the calibrated
        steps, bounds held at 0).
    """
    if is_pretrained(model):
        return forecast_pretrained(model, history, check_int(
            'steps', steps, 1), season=season, freq=freq,
            intervals=intervals)
    if season is not None:
        raise ValueError('season= is a pretrained model\'s: a trained model '
                         'keeps the season it was trained with')
    units = isinstance(model, DataUnitsModel)
    many = hasattr(model, 'forecast_frame')
    table = many and _reads_table(model, history)  # each column a series
    if many and not table and not isinstance(history, Collection):
        raise ValueError('a global model forecasts a Collection '
                         '(read_long, from_long; --id-column), or a table '
                         'where it reads one target and no static or '
                         'covariate inputs; got {}'.format(
                             type(history).__name__))
    if not many and isinstance(history, Collection):
        raise ValueError('a one-table model forecasts a table, not a '
                         'Collection: fit_global trains on many series')
    half_widths = model.half_widths if intervals and (units or many) else {}
    if intervals and not half_widths:
        raise ValueError('the model has no calibrated prediction '
                         'intervals: {}'.format(
                             'a global model calibrates them on the '
                             'validation of enough series (its notes say '
                             'how many it lacked)' if many else
                             'fit_auto (and `lstm-chainer train`) calibrate '
                             'them on the backtest when it has origins '
                             'enough (or use with_intervals with your own)'))
    steps = check_int('steps', steps, 1)
    levels = None if intervals else []
    if table:
        collection = Collection.from_table(history, freq)
        return collection.wide_frame(
            model.forecast_frame(collection, steps, levels=levels), steps,
            getattr(history, 'index', None))
    if many:
        return model.forecast_frame(history, steps, future=future,
                                    levels=levels)
    index = getattr(history, 'index', pd.RangeIndex(len(history)))
    if context is None and units:
        context = model.context
    whole = history  # a combination's Theta reads all of it
    notes = []
    if units and context and len(history) < context + model.lag:
        notes.append('the history has {} rows, fewer than the {} the model '
                     'warms up on (context {}); the forecast rests on less'
                     .format(len(history), context + model.lag, context))
    if context is not None:
        keep = check_int('context', context, 1) + (model.lag if units else 0)
        history = history.iloc[-keep:] if hasattr(history, 'iloc') \
            else history[-keep:]
    if diff is None:
        diff = model.pred if units else 1
    n = len(history)
    if n < diff:
        raise ValueError('history has {} rows; forecasting with pred={} needs '
                         'at least {}'.format(n, diff, diff))
    if s is None:
        s = n - 1
    times = future_index(index, steps, freq)
    if units and (model.calendar or model.covariates):
        # Rows for the future times: covariates and calendar features are
        # read there; the targets (the last values, repeated) are not.
        if not hasattr(history, 'columns'):
            raise ValueError('a model with covariates forecasts from a '
                             'DataFrame')
        ahead = pd.DataFrame(np.repeat(history.to_numpy()[-1:], steps, 0),
                             index=times, columns=history.columns)
        if model.covariates:
            ahead[model.covariates] = _future_covariates(
                model.covariates, future, times)
            # A regression on the covariates reads their future rows.
            whole = np.concatenate([np.asarray(whole, dtype=np.float64),
                                    ahead.to_numpy(np.float64)])
        history = pd.concat([history, ahead])
    predictions, _ = pred(model, history, n - diff + steps, s=s, diff=diff)
    predictions = predictions.iloc[-steps:].copy()
    predictions.index = times
    weights = model.combination if units else None
    if weights:
        rows = np.asarray(whole, dtype=np.float64)
        origin = len(rows) - n + s - (steps if model.covariates else 0)
        partners = {k: v[:, 0] for k, v in model.partners(
            rows, [origin], steps).items()}
        targets = predictions.columns[:model.n_output]
        predictions[targets] = combination.mix(
            predictions[targets].to_numpy(np.float64), partners, weights)
    if half_widths:
        measured = len(next(iter(half_widths.values())))
        notes += ['steps past {} take the interval widths of step {}'.format(
            measured, measured)] * (steps > measured) + [
            'lower bounds held at 0 for {}, never negative in the training '
            'data'.format(', '.join(held)) for held in [[
                c for c, f in zip(predictions.columns, model.floor or [])
                if f is not None]] if held]
        predictions = with_intervals(predictions, half_widths, model.floor)
    predictions.attrs['notes'] = notes
    return predictions


def _future_covariates(names, future, times):
    """The covariates' values at ``times``, checked."""
    if future is None:
        raise ValueError('the model reads the covariate(s) {}: give their '
                         'values for the {} future times (from {})'.format(
                             ', '.join(map(repr, names)), len(times),
                             times[0]))
    missing = [c for c in names if c not in future.columns]
    if missing:
        raise ValueError('the future values lack the covariate column(s) '
                         '{}'.format(', '.join(map(repr, missing))))
    if len(future) < len(times) or not future.index[:len(times)].equals(
            times):
        raise ValueError(
            'the future rows must continue the history: {} rows from {} '
            'every step, got {} rows from {}'.format(
                len(times), times[0], len(future),
                future.index[0] if len(future) else 'nothing'))
    values = future[names].iloc[:len(times)]
    if values.isna().any().any():
        row, column = np.argwhere(values.isna().to_numpy())[0]
        raise ValueError('the future value of {!r} at {} is empty'.format(
            names[column], values.index[row]))
    return values.to_numpy(np.float64)
