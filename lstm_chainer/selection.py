"""Choosing transforms and defaults from the training part alone.

``auto`` transforms are chosen per column by a cheap stand-in for the
network: a linear autoregression fitted on the transformed first part of
the training rows, fed back over a rolling-origin backtest of its last
part, its forecasts clipped to the range of transformed values it was
trained on (an LSTM does not extrapolate either), and scored by MASE. The
test part is never looked at.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lstm_chainer.backtest import naive_scale, rolling_origins
from lstm_chainer.transforms import ColumnTransform, Transformer

# Forecast horizons of the M4 competition, by the data's time step.
_HORIZONS = {'Y': 6, 'Q': 8, 'M': 18, 'W': 13, 'D': 14, 'h': 48}
_SEASONS = {'Q': 4, 'M': 12, 'W': 52, 'D': 7, 'h': 24}


def _period(freq):
    """'Y', 'Q', 'M', 'W', 'D', 'h' or None for a pandas frequency."""
    if not freq:
        return None
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        return None
    if offset.n != 1:
        return None
    name = type(offset).__name__
    for key, period in (('Year', 'Y'), ('Quarter', 'Q'), ('Month', 'M'),
                        ('Week', 'W'), ('Day', 'D'), ('Hour', 'h')):
        if name.startswith(key) or name.endswith(key) or \
                name.replace('Begin', '').replace('End', '') == key:
            return period
    return None


def default_season(freq: str | None) -> int | None:
    """Season length from a time step: 12 monthly, 4 quarterly, 52
    weekly, 7 daily, 24 hourly; ``None`` otherwise."""
    return _SEASONS.get(_period(freq))


def default_horizon(freq: str | None) -> int:
    """Forecast horizon from a time step (the M4 competition's: 6 yearly,
    8 quarterly, 18 monthly, 13 weekly, 14 daily, 48 hourly; else 10)."""
    return _HORIZONS.get(_period(freq), 10)


def candidates(values, season=None):
    """Transform names worth trying on one column."""
    names = ['none', 'diff']
    if season and len(values) >= 4 * season:
        names.append('seasonal-diff')
    if (np.asarray(values) > 0).all():
        names += ['log', 'log-diff']
    return names


def _ar_backtest(values, name, season, horizon, split):
    """MASE of a clipped linear AR on ``name``-transformed ``values``."""
    part = ColumnTransform(name, season)
    z = part.forward(values)
    fit = z[part.lag:split]
    order = min(max(3, (season or 0) + 1), max(1, len(fit) // 4))
    if len(fit) < 2 * order + 2:
        return np.inf
    lags = np.stack([fit[order - 1 - k:len(fit) - 1 - k]
                     for k in range(order)], axis=1)
    design = np.concatenate([lags, np.ones((len(lags), 1))], axis=1)
    coef, *_ = np.linalg.lstsq(design, fit[order:], rcond=None)
    low, high = fit.min(), fit.max()
    origins = rolling_origins(len(values), split - 1, horizon)
    origins = origins[origins >= part.lag + order - 1]
    if not len(origins):
        return np.inf
    window = z[origins[:, None] - np.arange(order)[None, :]]  # newest first
    forecasts = np.empty((horizon, len(origins)))
    for h in range(horizon):
        step = np.clip(window @ coef[:-1] + coef[-1], low, high)
        forecasts[h] = step
        window = np.concatenate([step[:, None], window[:, :-1]], axis=1)
    past = values[origins[None, :] + np.arange(1 - part.lag, 1)[:, None]] \
        if part.lag else values[:0, None]
    levels = part.inverse(forecasts, past)
    actual = values[origins[None, :] + np.arange(1, horizon + 1)[:, None]]
    scale = naive_scale(values[:split, None], season)[0]
    if not np.isfinite(scale):
        return np.inf
    error = np.abs(levels - actual).mean() / scale
    return error if np.isfinite(error) else np.inf


def choose_transforms(train, season: int | None = None, horizon: int = 10,
                      columns=None, holdout: float = 0.25):
    """Chooses a transform per column from the training part alone.

    Args:
        train: ``(T, n)`` training rows (array or DataFrame).
        season (int): Season length (enables ``seasonal-diff``).
        horizon (int): Steps scored from each inner origin.
        columns (list): Column names (default the DataFrame's).
        holdout (float): Fraction of the training rows the stand-in is
            scored on.

    Returns:
        tuple: ``(Transformer, report)``; ``report`` is a DataFrame of the
        stand-in's MASE per column (rows) and candidate (columns), NaN
        where a candidate was not tried.
    """
    if columns is None:
        columns = list(getattr(train, 'columns', range(np.shape(train)[1])))
    array = np.asarray(train, dtype=np.float64)
    split = len(array) - max(2, int(round(holdout * len(array))))
    horizon = max(1, min(horizon, (len(array) - split) // 2))
    scores = {}
    for j, column in enumerate(columns):
        values = array[:, j]
        scores[column] = {name: _ar_backtest(values, name, season, horizon,
                                             split)
                          for name in candidates(values, season)}
    report = pd.DataFrame(scores).T.replace(np.inf, np.nan)
    chosen = [min(scores[c], key=scores[c].get) for c in columns]
    return Transformer(chosen, season, columns), report
