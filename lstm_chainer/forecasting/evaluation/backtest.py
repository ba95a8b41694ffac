"""Rolling-origin backtests: forecasts as they are used, scored against
the baselines every forecaster is expected to beat.

At each origin ``o`` a model sees rows ``<= o`` only and forecasts rows
``o + 1 .. o + horizon``; every model and baseline uses the same origins.
MASE (Hyndman & Koehler, 2006) divides the mean absolute error by the
in-sample mean absolute error of the naive forecast on the training rows
(seasonal naive with lag ``season`` when one is set): below 1 beats it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lstm_chainer._checks import as_series, check_columns, check_int
from lstm_chainer.core.evaluation import (
    forward_mode,
    isolated,
    to_cpu,
    with_calendar,
)
from lstm_chainer.core.protocols import DataUnitsModel, n_outputs
from lstm_chainer.core.recursion import rollout_origins
from lstm_chainer.forecasting import combination
from lstm_chainer.forecasting.classical import ets as classical
from lstm_chainer.forecasting.evaluation.intervals import (
    interval_scores,
    tracked_quantiles,
)

BASELINES = ('naive', 'seasonal_naive', 'drift', 'theta', 'damped')
METRICS = ('MAE', 'RMSE', 'MASE', 'sMAPE')


def display_name(name):
    """str: How a model of a backtest is called in text and plots."""
    name = str(name)
    return {'ets': 'ETS', 'theta': 'Theta', 'damped': 'damped ES',
            'pretrained': 'pretrained network'}.get(
        name, name.replace('_', ' '))


def rolling_origins(n_rows: int, start: int, horizon: int, stride: int = 1
                    ) -> np.ndarray:
    """Origins ``start, start + stride, ...`` whose whole horizon is known.

    Args:
        n_rows (int): Rows of the series.
        start (int): First origin (its forecasts begin at row ``start + 1``).
        horizon (int): Steps forecast from each origin.
        stride (int): Rows between origins.

    Returns:
        numpy.ndarray: The origins (may be empty).
    """
    return np.arange(start, n_rows - horizon, stride, dtype=np.int64)


def naive_scale(train, season: int | None = None) -> np.ndarray:
    """In-sample MAE of the (seasonal) naive forecast, per column.

    Args:
        train: ``(T, n)`` training rows.
        season (int): Lag of the seasonal naive forecast (``None``: 1).

    One rule at zero scale, for one series and many: where the seasonal
    naive forecast is perfect in sample, the naive one's MAE (lag 1); where
    that is 0 too (a constant column), 1 (errors in data units).

    Returns:
        numpy.ndarray: ``(n,)``, positive.
    """
    train = np.asarray(train, dtype=np.float64)
    lag = season or 1
    if len(train) <= lag:
        raise ValueError('the training part has {} rows; the naive scale of '
                         'MASE needs more than {}'.format(len(train), lag))
    scale = np.abs(train[lag:] - train[:-lag]).mean(axis=0)
    if lag > 1 and (scale == 0).any():
        scale = np.where(scale == 0,
                         np.abs(np.diff(train, axis=0)).mean(axis=0), scale)
    return np.where(scale > 0, scale, 1.0)


def baseline_forecasts(name: str, series, origins, horizon: int,
                       season: int | None = None,
                       train_rows: int | None = None) -> np.ndarray:
    """Forecasts of a baseline from every origin, ``(horizon, B, n)``.

    ``naive`` (once ``persistence``) repeats the last value;
    ``seasonal_naive`` repeats the value one season before the target
    (needs ``season``); ``drift`` adds to the last value the average change
    since the first row; ``theta`` is the Theta method
    (:mod:`~lstm_chainer.forecasting.classical.theta`), ``damped`` simple or
    damped-trend exponential smoothing by AIC
    (:mod:`~lstm_chainer.forecasting.classical.damped`), both refitted at
    every origin; ``pretrained`` the pretrained network, zero-shot
    (:mod:`~lstm_chainer.forecasting.models.pretrained`); ``ets`` exponential smoothing
    (:mod:`~lstm_chainer.forecasting.classical.ets`, statsmodels; chosen and
    fitted on the first ``train_rows``).
    """
    series = np.asarray(series, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    h = np.arange(1, horizon + 1)[:, None]
    last = series[origins]
    if name in ('naive', 'persistence'):
        return combination.naive_forecasts(series, origins, horizon)
    if name == 'seasonal_naive':
        if not season:
            raise ValueError('seasonal_naive needs a season')
        return combination.seasonal_naive_forecasts(series, origins, horizon,
                                                    season)
    if name == 'drift':
        slope = (last - series[0]) / np.maximum(origins, 1)[:, None]
        return last[None] + h[..., None] * slope[None]
    if name == 'ets':
        return classical.ets_forecasts(series, origins, horizon, season,
                                       train_rows)
    if name in ('theta', 'damped', 'pretrained'):
        return combination.PARTNER_FORECASTS[name](series, origins, horizon,
                                                   season)
    raise ValueError('unknown baseline {!r}; choose from {}'.format(
        name, ', '.join(BASELINES + classical.CLASSICAL)))


def error_metrics(forecasts, actual, scale) -> dict:
    """MAE, RMSE, MASE and sMAPE per horizon and variable.

    Args:
        forecasts: ``(H, B, n)``.
        actual: ``(H, B, n)``.
        scale: ``(n,)`` MASE denominators.

    Returns:
        dict: metric name -> ``(H, n)`` array.
    """
    err = forecasts - actual
    mae = np.abs(err).mean(axis=1)
    denominator = np.abs(forecasts) + np.abs(actual)
    with np.errstate(invalid='ignore', divide='ignore'):
        ratio = np.where(denominator > 0, np.abs(err) / denominator, 0.0)
    return {'MAE': mae, 'RMSE': np.sqrt((err * err).mean(axis=1)),
            'MASE': mae / scale, 'sMAPE': 200 * ratio.mean(axis=1)}


class Backtest:
    """Forecasts of several models from the same origins, and their scores.

    Args:
        actual (numpy.ndarray): ``(H, B, n)`` true values.
        origins (numpy.ndarray): Positions of the origins.
        scale (numpy.ndarray): ``(n,)`` MASE denominators.
        columns (list): Variable names.
        labels (pandas.Index): Index labels of the origins.
    """

    def __init__(self, actual, origins, scale, columns, labels):
        self.actual = actual
        self.origins = origins
        self.scale = scale
        self.columns = list(columns)
        self.labels = labels
        self.forecasts = {}

    @property
    def horizon(self):
        """int: Steps forecast from each origin."""
        return self.actual.shape[0]

    def add(self, name, forecasts):
        """Adds a model's ``(H, B, n)`` forecasts from the same origins."""
        forecasts = np.asarray(forecasts, dtype=np.float64)
        if forecasts.shape != self.actual.shape:
            raise ValueError('forecasts of {!r} have shape {}, the backtest '
                             '{}'.format(name, forecasts.shape,
                                         self.actual.shape))
        self.forecasts[name] = forecasts

    @property
    def table(self):
        """pandas.DataFrame: One row per model, origin, horizon, variable."""
        index = pd.MultiIndex.from_product(
            [range(1, self.horizon + 1), self.labels, self.columns],
            names=['horizon', 'origin', 'variable'])
        frames = [pd.DataFrame({'model': name, 'forecast': f.ravel(),
                                'actual': self.actual.ravel()}, index=index)
                  for name, f in self.forecasts.items()]
        table = pd.concat(frames).reset_index()
        return table[['model', 'origin', 'horizon', 'variable', 'forecast',
                      'actual']]

    @property
    def metrics(self):
        """pandas.DataFrame: Index ``(model, horizon, variable)``, columns
        MAE, RMSE, MASE, sMAPE."""
        frames = []
        for name, f in self.forecasts.items():
            values = error_metrics(f, self.actual, self.scale)
            index = pd.MultiIndex.from_product(
                [[name], range(1, self.horizon + 1), self.columns],
                names=['model', 'horizon', 'variable'])
            frames.append(pd.DataFrame(
                {m: values[m].ravel() for m in METRICS}, index=index))
        return pd.concat(frames)

    def mase(self):
        """pandas.DataFrame: MASE per horizon (mean over variables), one
        column per model."""
        table = self.metrics['MASE'].groupby(level=['model', 'horizon']) \
            .mean().unstack('model')
        table.columns.name = None
        return table[list(self.forecasts)]

    def intervals(self, name='model', levels=(0.8, 0.95),
                  calibration=0.5, rate=0.2):
        """Conformal intervals that start from the first origins and follow
        the errors over the rest (:func:`tracked_quantiles`).

        Args:
            name (str): The model.
            levels (sequence): Coverage levels.
            calibration (float): Fraction of the origins (the earliest)
                whose residuals set the starting half-widths.
            rate (float): How fast the half-widths follow the errors
                (0: split conformal on the calibration origins only).

        Returns:
            tuple: ``(half_widths, scores)``: level -> ``(H, n)`` after the
            last origin (for forecasts past the data), and
            :func:`interval_scores` of the later origins, each with the
            half-width known at it (coverage, width, MSIS).
        """
        if not 0 < calibration < 1:
            raise ValueError('calibration must be in (0, 1), got {!r}'
                             .format(calibration))
        split = int(round(calibration * len(self.origins)))
        if not 0 < split < len(self.origins):
            raise ValueError('{} origins cannot be split into calibration '
                             'and evaluation'.format(len(self.origins)))
        stride = int(self.origins[1] - self.origins[0])
        delays = -(-np.arange(1, self.horizon + 1) // stride)
        residuals = self.forecasts[name] - self.actual
        widths, final = tracked_quantiles(residuals, levels, split, delays,
                                          rate)
        scores = interval_scores(self.forecasts[name][:, split:],
                                 self.actual[:, split:], widths, self.scale)
        return final, scores

    def to_dict(self):
        """dict: JSON-ready: origins, horizon, the summary, MASE per model
        and horizon, and every metric."""
        mase = self.mase()
        return {'origins': len(self.origins), 'horizon': self.horizon,
                'first_origin': str(self.labels[0]),
                'summary': self.summary().to_dict('index'),
                'mase_per_horizon': {n: mase[n].tolist() for n in mase},
                'metrics': self.metrics.reset_index().to_dict('records')}

    def summary(self):
        """pandas.DataFrame: Per model, mean MASE over horizons and
        variables and its ratio to naive's (below 1 beats it)."""
        mean = self.mase().mean()
        frame = pd.DataFrame({'MASE': mean})
        if 'naive' in self.forecasts:
            frame['vs naive'] = mean / mean['naive']
        return frame


def backtest(model, data, horizon: int, start: int | None = None,
             stride: int = 1, context: int | None = None,
             season: int | None = None, train_rows: int | None = None,
             baselines=BASELINES, name: str = 'model',
             fused: bool | None = None) -> Backtest:
    """Rolling-origin backtest of a model beside the baselines.

    Args:
        model: One-step model (e.g. a :class:`Forecaster` from
            ``load_model``, then in data units); ``None`` scores only the
            baselines.
        data: The whole series (DataFrame or 2-D array), oldest row first.
        horizon (int): Steps forecast from each origin.
        start (int): First origin (default: the row before the last 25 %).
        stride (int): Rows between origins.
        context (int): Rows of history the model warms up on at each origin
            (``None``: all of it).
        season (int): Season length: seasonal naive baseline and the MASE
            scale (``None``: no season).
        train_rows (int): Leading rows that were the training part (MASE
            scale; default ``start + 1``).
        baselines (sequence): Baselines to add (``seasonal_naive`` is
            skipped without a season).
        name (str): Name of the model in the results. A forecaster
            with a combination (:attr:`Forecaster.combination`) is scored
            as it forecasts, and its network alone as ``network``.
        fused (bool): Path of the model (``None``: fused when supported).

    Returns:
        Backtest: Forecasts and metrics (``table``, ``metrics``, ``mase()``,
        ``summary()``).
    """
    array, columns = as_series('data', data, dtype=np.float64)
    check_columns(model, columns)
    array = with_calendar(model, data, array)
    n = len(array)
    horizon = check_int('horizon', horizon, 1)
    stride = check_int('stride', stride, 1)
    if start is None:
        start = n - max(1, int(round(0.25 * n))) - 1
    start = check_int('start', start, 0)
    if season is not None:
        season = check_int('season', season, 1)
        season = season if season > 1 else None
    train_rows = check_int('train_rows', start + 1 if train_rows is None
                           else train_rows, 2)
    origins = rolling_origins(n, start, horizon, stride)
    if not len(origins):
        raise ValueError('no origin: the data has {} rows, the first origin '
                         'is row {} and the horizon {}; use a shorter '
                         'horizon or more rows'.format(n, start, horizon))
    h = np.arange(1, horizon + 1)[:, None]
    # A model with covariates forecasts only its first n_output columns.
    n_out = n_outputs(model, array.shape[1])
    targets = array[:, :n_out]
    actual = targets[origins[None, :] + h]
    columns = (columns or list(range(array.shape[1])))[:n_out]
    index = getattr(data, 'index', pd.RangeIndex(n))
    result = Backtest(actual, origins, naive_scale(targets[:train_rows],
                                                   season),
                      columns, index[origins])
    partners = {}
    if model is not None:
        forecasts = _model_forecasts(model, array, origins, horizon, context,
                                     fused)
        weights = getattr(model, 'combination', None)
        if weights:
            partners = model.partners(array, origins, horizon)
            result.add(name, combination.mix(forecasts, partners, weights))
            result.add(combination.NETWORK, forecasts)
        else:
            result.add(name, forecasts)
    for baseline in baselines:
        if baseline == 'seasonal_naive' and not season:
            continue
        if baseline in partners and model.season == season:
            result.add(baseline, partners[baseline])  # computed once
            continue
        result.add(baseline, baseline_forecasts(baseline, targets, origins,
                                                horizon, season, train_rows))
    return result


def _model_forecasts(model, array, origins, horizon, context, fused):
    net = isolated(model)
    with forward_mode():
        series = array if isinstance(net, DataUnitsModel) \
            else net.device.send(array.astype(np.float32))
        ys = rollout_origins(net, series, origins, horizon, context, fused)
    return to_cpu(ys).astype(np.float64)

