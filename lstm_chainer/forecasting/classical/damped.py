"""Exponential smoothing with a damped trend, in NumPy: the classical
partner beside Theta for series whose trend Theta's half-slope misses.

Each column is deseasonalised as Theta does it (the ACF test, classical
multiplicative else additive indices), then simple exponential smoothing,
ETS(A,N,N), and the damped trend, ETS(A,Ad,N) (Gardner & McKenzie), are
fitted by least squared one-step error over a grid of smoothing weights
and the one of lower AIC forecasts:

    forecast(h) = level + (phi + phi^2 + ... + phi^h) * trend

reseasonalised. The initial level and trend are the least-squares line
through the first rows (Hyndman et al., 2008).

Where a season was found, the same forms with Holt-Winters' smoothed
seasonal indices (weight gamma, multiplicative or additive as the indices
are, started at the classical ones) are fitted on the undeseasonalised
rows too, and replace the fixed indices when their AIC, one parameter
more, is lower than the fixed indices' on those rows: a seasonal swing
that changes over the years is followed, a steady one is not chased.
Where the test found none (its ACF misses a weak season on a wandering
level) and the rows span two seasons, additive indices learnt from zero
are tried the same way against the non-seasonal forms.
No dependency beyond NumPy.
"""
from __future__ import annotations

import numpy as np

from lstm_chainer.forecasting.classical.theta import (
    deseasonalise,
    fit_start,
    held_fits,
    seasonal_form,
)

_ALPHA = np.linspace(0.05, 0.95, 19)
_BETA_SHARE = np.array([0.02, 0.05, 0.1, 0.2, 0.5])  # beta = share * alpha
_PHI = np.array([0.8, 0.9, 0.95, 0.98])
_FIRST = 10  # rows of the initial line
_GAMMA = np.array([0.0, 0.05, 0.1, 0.2])  # seasonal weights (0: fixed)
# Grid points x columns of one evolving step's arrays: small enough to stay
# in the core's cache (measured fastest at 8-16 columns of the grid).
_CELLS = 2 ** 14
_SEASONS_LEARNT = 2  # seasons a column spans before a season is learnt


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


def damped_forecasts(columns, horizon, season=None, chunk=None):
    """:func:`damped_forecast` of many columns at once: the grid of every
    chunk of columns (of similar lengths) runs as one array.

    Args:
        columns (list): 1-D histories.
        horizon (int): Steps.
        season (int): Season length.
        chunk (int): Columns per array (default: what keeps a step's
            arrays in cache).

    Returns:
        numpy.ndarray: ``(horizon, len(columns))``.
    """
    forms = [seasonal_form(y, season) for y in columns]
    out = _fixed_forecasts(columns, horizon, season, chunk, forms)
    _evolve(columns, horizon, season, out, forms)
    return out


def _fixed_forecasts(columns, horizon, season, chunk=None, forms=None,
                     params=None):
    """:func:`damped_forecasts` with the classical (fixed) indices only
    (``forms``: each column's :func:`~lstm_chainer.forecasting.classical.theta.
    seasonal_form`, when known); the chosen weights go into ``params``
    (:func:`_parameters`) where given."""
    out = np.empty((horizon, len(columns)))
    forms = forms or [seasonal_form(y, season) for y in columns]
    prepared = [deseasonalise(y, season, form)
                for y, form in zip(columns, forms)]
    lengths = np.array([len(y) for y, _ in prepared])
    order = np.argsort(-lengths, kind='stable')  # longest first
    chunk = chunk or max(1, _CELLS // _DAMPED_POINTS)
    for at in range(0, len(columns), chunk):
        picked = order[at:at + chunk]
        level, trend, phi, alpha, beta = _fit_many(
            [prepared[j][0] for j in picked], lengths[picked])
        if params is not None:
            params['alpha'][picked], params['beta'][picked] = alpha, beta
            params['phi'][picked] = phi
        steps = np.cumsum(phi[None, :] ** np.arange(1, horizon + 1)[:, None],
                          axis=0)
        forecasts = level[None] + steps * trend[None]
        for k, j in enumerate(picked):
            out[:, j] = prepared[j][1](forecasts[:, k])
    return out


def _evolve(columns, horizon, season, out, forms, params=None):
    """Replaces, in ``out``, the forecast of every column whose smoothed
    seasonal indices have a lower AIC than its fixed-index (where the
    seasonal test found a season) or non-seasonal forms, on its own rows.

    Where the test found none (it misses a weak season on a wandering
    level) and the column spans two seasons and two rows, additive
    indices learnt from zero are tried against the non-seasonal forms,
    which are the same grid's forms with gamma 0."""
    if not season or season < 2:
        return
    columns = [np.asarray(y, dtype=np.float64) for y in columns]
    groups = {True: [], False: [], None: []}  # multiplicative, additive, none
    for j, form in enumerate(forms):
        if form is not None:
            groups[form[0]].append(j)
        elif len(columns[j]) >= _SEASONS_LEARNT * season + 2:
            groups[None].append(j)
    chunk = max(1, _CELLS // len(_EVOLVING_GRID[0]))
    for kind, picked in groups.items():
        picked.sort(key=lambda j: -len(columns[j]))
        for at in range(0, len(picked), chunk):
            part = picked[at:at + chunk]
            indices = [np.zeros(season) if kind is None else forms[j][1]
                       for j in part]
            forecasts, evolving, best = _fit_evolving(
                [columns[j] for j in part], indices, season, bool(kind),
                horizon, _EVOLVING_GRID)
            for k, j in enumerate(part):
                if evolving[k]:
                    out[:, j] = forecasts[:, k]
                    if params is not None:
                        params['indices'][j] = indices[k]
                        for name, grid in zip(_NAMES, _EVOLVING_GRID):
                            params[name][j] = grid[best[k]]


def _evolving_grid():
    """``(alpha, beta, phi, gamma, parameters)``: simple smoothing (phi 0
    keeps the trend at 0) and the damped trend, each with every seasonal
    weight."""
    a, g = np.meshgrid(_ALPHA, _GAMMA, indexing='ij')
    zero = np.zeros(a.size)
    simple = (a.ravel(), zero, zero, g.ravel(), np.full(a.size, 2))
    a, b, f, g = np.meshgrid(_ALPHA, _BETA_SHARE, _PHI, _GAMMA,
                             indexing='ij')
    damped = (a.ravel(), (a * b).ravel(), f.ravel(), g.ravel(),
              np.full(a.size, 5))
    alpha, beta, phi, gamma, parameters = (np.concatenate(pair) for pair in
                                           zip(simple, damped))
    return alpha, beta, phi, gamma, parameters + (gamma > 0)


_EVOLVING_GRID = _evolving_grid()
_NAMES = ('alpha', 'beta', 'phi', 'gamma')
_DAMPED_POINTS = len(_ALPHA) * len(_BETA_SHARE) * len(_PHI)


def _fit_evolving(columns, indices, season, multiplicative, horizon, grid):
    """Holt-Winters over the grid on the raw rows of columns (longest
    first) sharing one seasonal kind.

    Returns:
        tuple: ``(forecasts, evolving, best)``: ``(horizon, count)``
        forecasts of the least-AIC smoothed form, whether its AIC beats the
        least of the gamma-0 forms (the given indices kept fixed: with zero
        additive indices, the non-seasonal forms), and its grid point.
    """
    alpha, beta, phi, gamma, parameters = grid
    count = len(columns)
    lengths = np.array([len(y) for y in columns])
    width = int(lengths[0])
    padded = np.zeros((width, count))
    starts = np.empty((count, 2))
    # The indices live in a ring of one season: slot ``t % season`` holds
    # every column's index of row ``t`` (right-aligned), so each step reads
    # and writes one contiguous slice.
    ring = np.empty((season, count, len(alpha)))
    for j, (y, s) in enumerate(zip(columns, indices)):
        offset = width - len(y)
        padded[offset:, j] = y
        at = s[np.arange(len(y)) % season]
        starts[j] = _start(y / at if multiplicative else y - at)
        ring[:, j] = s[(np.arange(season) - offset) % season][:, None]
    active = np.searchsorted(-lengths, -(width - np.arange(width)),
                             side='right')
    level = np.repeat(starts[:, :1], len(alpha), axis=1)
    trend = np.repeat(starts[:, 1:], len(alpha), axis=1)
    sse = np.zeros_like(level)
    base, error, work = (np.empty_like(level) for _ in range(3))
    combine = np.multiply if multiplicative else np.add
    with np.errstate(all='ignore'):  # a diverging point's SSE is inf
        for t in range(width):
            k = active[t]
            s, lv, tr = ring[t % season, :k], level[:k], trend[:k]
            b, e, w = base[:k], error[:k], work[:k]
            np.multiply(phi, tr, out=b)
            b += lv
            combine(b, s, out=e)  # the one-step forecast
            np.subtract(padded[t, :k, None], e, out=e)
            np.multiply(e, e, out=w)
            sse[:k] += w
            step = np.divide(e, s, out=w) if multiplicative else e
            np.multiply(alpha, step, out=lv)
            lv += b
            tr *= phi
            np.multiply(beta, step, out=w)
            tr += w
            if multiplicative:
                np.divide(e, b, out=w)
            else:
                np.copyto(w, e)
            w *= gamma
            s += w
        aic = lengths[:, None] * np.log(np.maximum(sse, 1e-300)
                                        / lengths[:, None]) + 2 * parameters
    aic = np.where(np.isfinite(aic), aic, np.inf)
    fixed = np.where(gamma == 0, aic, np.inf).min(axis=1)
    best = np.argmin(np.where(gamma > 0, aic, np.inf), axis=1)
    rows = np.arange(count)
    evolving = aic[rows, best] < fixed
    steps = np.cumsum(phi[best][None, :]
                      ** np.arange(1, horizon + 1)[:, None], axis=0)
    forecasts = level[rows, best][None] + steps * trend[rows, best][None]
    ahead = ring[(width + np.arange(horizon))[:, None] % season,
                 rows[None, :], best[None, :]]
    forecasts = forecasts * ahead if multiplicative else forecasts + ahead
    return forecasts, evolving & np.isfinite(forecasts).all(axis=0), best


@held_fits
def damped_origin_forecasts(series, origins, horizon, season=None):
    """Damped smoothing from every origin, ``(horizon, B, n)``, as
    :func:`~lstm_chainer.forecasting.classical.theta.theta_forecasts` gives
    Theta's: refitted at every origin (as :func:`damped_forecasts`) within
    the fit budget; a wider table is refitted at the first origin of each
    run of origins, its form (simple or damped trend, fixed or smoothed
    seasonal indices) and weights held over the rest of the run while the
    states are filtered on through the rows: one array pass.

    Args:
        series: ``(T, n)`` history (the history of origin ``o`` is rows
            ``<= o``).
        origins: ``(B,)`` origins.
        horizon (int): Steps.
        season (int): Season length.
    """
    series = np.asarray(series, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    first = int(origins.min()) + 1
    rows = series[:int(origins.max()) + 1]
    start = fit_start(first, season)
    columns = [rows[start:first, j] for j in range(rows.shape[1])]
    return _filtered(rows, origins, horizon, _parameters(columns, season))


def _parameters(columns, season):
    """Every column's chosen form as Holt-Winters weights on its raw rows:
    ``alpha, beta, phi, gamma`` (0 where a form has none), ``mult``
    (multiplicative indices) and ``indices`` ``(n, m)`` (the starting
    seasonal indices: the classical ones, zeros where there is no
    season; ``m`` 1 without a season)."""
    count, m = len(columns), season if season and season > 1 else 1
    params = {name: np.zeros(count) for name in _NAMES}
    params['indices'] = np.zeros((count, m))
    forms = [seasonal_form(y, season) for y in columns]
    out = _fixed_forecasts(columns, 1, season, forms=forms, params=params)
    params['mult'] = np.array([bool(f and f[0]) for f in forms])
    for j, form in enumerate(forms):
        if form is not None:
            params['indices'][j] = form[1]
    _evolve(columns, 1, season, out, forms, params)
    return params


def _filtered(rows, origins, horizon, params):
    """The forecasts from every origin of the forms in ``params``
    (:func:`_parameters`), their states filtered through ``rows``."""
    alpha, beta, phi, gamma = (params[name] for name in _NAMES)
    mult, seasonal = params['mult'], params['indices'].copy()
    m = seasonal.shape[1]
    at = seasonal[:, np.arange(min(_FIRST, len(rows))) % m].T
    first = rows[:len(at)]
    adjusted = np.where(mult[None], first / np.where(mult[None], at, 1.0),
                        first - at)
    starts = np.array([_start(adjusted[:, j]) for j in range(rows.shape[1])])
    level = starts[:, 0].copy()
    # Simple smoothing with fixed indices starts with no trend.
    trend = np.where((phi > 0) | (gamma > 0), starts[:, 1], 0.0)
    out = np.empty((horizon, len(origins), rows.shape[1]))
    picked = np.full(len(rows), -1)
    picked[origins] = np.arange(len(origins))
    damping = np.cumsum(phi[None] ** np.arange(1, horizon + 1)[:, None],
                        axis=0)
    columns = np.arange(rows.shape[1])
    with np.errstate(all='ignore'):
        for t, value in enumerate(rows):
            s = seasonal[:, t % m]
            base = level + phi * trend
            error = value - np.where(mult, base * s, base + s)
            step = np.where(mult, error / s, error)
            level = base + alpha * step
            trend = phi * trend + beta * step
            seasonal[:, t % m] = np.where(gamma > 0, s + gamma * np.where(
                mult, error / base, error), s)
            if picked[t] >= 0:
                ahead = seasonal[columns[None], (t + 1 + np.arange(
                    horizon))[:, None] % m]
                point = level[None] + damping * trend[None]
                out[:, picked[t]] = np.where(mult, point * ahead,
                                             point + ahead)
    return out


def _fit_many(columns, lengths):
    """``(level, trend, phi, alpha, beta)`` per column (simple smoothing:
    trend, phi and beta 0), the columns longest first."""
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
        sse = np.zeros_like(level)
        error, work = np.empty_like(level), np.empty_like(level)
        for t in range(width):
            k = active[t]
            lv, tr, e, w = level[:k], trend[:k], error[:k], work[:k]
            tr *= phi  # the trend ahead
            lv += tr  # the one-step forecast
            np.subtract(padded[t, :k, None], lv, out=e)
            np.multiply(e, e, out=w)
            sse[:k] += w
            np.multiply(alpha, e, out=w)
            lv += w
            np.multiply(beta, e, out=w)
            tr += w
        best = np.argmin(sse, axis=1)
        rows = np.arange(count)
        aic = lengths * np.log(np.maximum(sse[rows, best], 1e-300)
                               / lengths) + 2 * parameters
        if trended:
            aic = np.where(lengths >= 4, aic, np.inf)
        fits.append((aic, level[rows, best], trend[rows, best], phi[best],
                     alpha[best], beta[best]))
    (aic0, l0, _, _, a0, _), (aic1, l1, b1, p1, a1, s1) = fits
    damped = aic1 < aic0
    return (np.where(damped, l1, l0), np.where(damped, b1, 0.0),
            np.where(damped, p1, 0.0), np.where(damped, a1, a0),
            np.where(damped, s1, 0.0))
