"""Exponential smoothing with a damped trend, in NumPy: the classical
partner beside Theta for series whose trend Theta's half-slope misses.

Each column is deseasonalised as Theta does it (the ACF test, classical
multiplicative else additive indices), then simple exponential smoothing,
ETS(A,N,N), and the damped trend, ETS(A,Ad,N) (Gardner & McKenzie), are
fitted by least squared one-step error over a grid of smoothing weights
and the one of lower AIC forecasts:

    forecast(h) = level + (phi + phi^2 + ... + phi^h) * trend

reseasonalised. The initial level and trend are the least-squares line
through the first rows (Hyndman et al., 2008). No dependency beyond NumPy;
statsforecast's AutoETS also weighs multiplicative and seasonal forms.
"""
from __future__ import annotations

import numpy as np

from lstm_chainer.forecasting.theta import deseasonalise

_ALPHA = np.linspace(0.05, 0.95, 19)
_BETA_SHARE = np.array([0.02, 0.05, 0.1, 0.2, 0.5])  # beta = share * alpha
_PHI = np.array([0.8, 0.9, 0.95, 0.98])
_FIRST = 10  # rows of the initial line


def _start(y):
    """The initial level and trend: the line through the first rows."""
    n = min(len(y), _FIRST)
    if n < 2:
        return float(y[0]), 0.0
    slope, intercept = np.polyfit(np.arange(n, dtype=np.float64), y[:n], 1)
    return float(intercept), float(slope)


def damped_forecast(y, horizon, season=None):
    """The forecast of one column (as :func:`~lstm_chainer.forecasting.
    theta.theta_forecast` takes it).

    Args:
        y: The history, oldest first.
        horizon (int): Steps forecast.
        season (int): Season length (``None``: not deseasonalised).

    Returns:
        numpy.ndarray: ``(horizon,)`` forecasts.
    """
    return damped_forecasts([y], horizon, season)[:, 0]


def damped_forecasts(columns, horizon, season=None, chunk=2048):
    """:func:`damped_forecast` of many columns at once: the grid of every
    chunk of columns (of similar lengths) runs as one array.

    Args:
        columns (list): 1-D histories.
        horizon (int): Steps.
        season (int): Season length.
        chunk (int): Columns per array.

    Returns:
        numpy.ndarray: ``(horizon, len(columns))``.
    """
    out = np.empty((horizon, len(columns)))
    prepared = [deseasonalise(y, season) for y in columns]
    lengths = np.array([len(y) for y, _ in prepared])
    order = np.argsort(-lengths, kind='stable')  # longest first
    for at in range(0, len(columns), chunk):
        picked = order[at:at + chunk]
        level, trend, phi = _fit_many([prepared[j][0] for j in picked],
                                      lengths[picked])
        steps = np.cumsum(phi[None, :] ** np.arange(1, horizon + 1)[:, None],
                          axis=0)
        forecasts = level[None] + steps * trend[None]
        for k, j in enumerate(picked):
            out[:, j] = prepared[j][1](forecasts[:, k])
    return out


def damped_origin_forecasts(series, origins, horizon, season=None):
    """Damped smoothing from every origin (refitted at each), ``(horizon,
    B, n)``, as :func:`~lstm_chainer.forecasting.theta.theta_forecasts`
    gives Theta's; every origin and column is fitted in one array.

    Args:
        series: ``(T, n)`` history (the history of origin ``o`` is rows
            ``<= o``).
        origins: ``(B,)`` origins.
        horizon (int): Steps.
        season (int): Season length.
    """
    series = np.asarray(series, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    n = series.shape[1]
    columns = [series[:o + 1, j] for j in range(n) for o in origins]
    out = damped_forecasts(columns, horizon, season)
    return out.reshape(horizon, n, len(origins)).transpose(0, 2, 1).copy()


def _fit_many(columns, lengths):
    """``(level, trend, phi)`` per column, the columns longest first."""
    count, width = len(columns), int(lengths[0])
    # Right-aligned: at step t the columns with a row there are the first
    # ``active[t]`` (the longest), so only those are updated.
    padded = np.zeros((width, count))
    for j, y in enumerate(columns):
        padded[width - len(y):, j] = y
    active = np.searchsorted(-lengths, -(width - np.arange(width)),
                             side='right')
    starts = np.array([_start(y) for y in columns])
    fits = []
    # Simple smoothing, then the damped trend over (alpha, beta share,
    # phi) flattened.
    grids = [(_ALPHA, np.zeros_like(_ALPHA), np.zeros_like(_ALPHA), 2)]
    a, b, f = np.meshgrid(_ALPHA, _BETA_SHARE, _PHI, indexing='ij')
    grids.append((a.ravel(), (a * b).ravel(), f.ravel(), 5))
    for alpha, beta, phi, parameters in grids:
        trended = parameters > 2
        level = np.repeat(starts[:, :1], len(alpha), axis=1)
        trend = np.repeat(starts[:, 1:] if trended else
                          np.zeros((count, 1)), len(alpha), axis=1)
        sse = np.zeros((count, len(alpha)))
        for t in range(width):
            k = active[t]
            ahead = phi * trend[:k]
            error = padded[t, :k, None] - (level[:k] + ahead)
            sse[:k] += error * error
            level[:k] = level[:k] + ahead + alpha * error
            trend[:k] = ahead + beta * error
        best = np.argmin(sse, axis=1)
        rows = np.arange(count)
        aic = lengths * np.log(np.maximum(sse[rows, best], 1e-300)
                               / lengths) + 2 * parameters
        if trended:
            aic = np.where(lengths >= 4, aic, np.inf)
        fits.append((aic, level[rows, best], trend[rows, best], phi[best]))
    (aic0, l0, _, _), (aic1, l1, b1, p1) = fits
    damped = aic1 < aic0
    return (np.where(damped, l1, l0), np.where(damped, b1, 0.0),
            np.where(damped, p1, 0.0))
