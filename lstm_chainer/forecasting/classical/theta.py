"""The Theta method (Assimakopoulos & Nikolopoulos, 2000; the M3
competition's winner) in NumPy, as statsmodels' ``ThetaModel`` computes
it: a seasonal test (the ACF at one season, 90 %), classical
multiplicative (else additive) deseasonalisation, simple exponential
smoothing started at the first value with the smoothing weight of least
squared one-step error, plus half the least-squares trend (Hyndman &
Billah, 2003):

    forecast(h) = level + b0 / 2 * (h - 1 + 1 / alpha - (1 - alpha)^n / alpha)

reseasonalised. A backtest refits it at every origin within a fit budget,
a wide table at fewer (:func:`theta_forecasts`); no dependency beyond
NumPy.
"""
from __future__ import annotations

import numpy as np

# The 90 % point of a chi-squared with one degree of freedom (1.645 ** 2).
_SEASONAL_CRITICAL = 2.705543454095404
_GRID = np.linspace(0.0, 1.0, 101)
# Fits of one backtest's classical partners, all columns together: a table
# of a few columns is refitted at every origin, a wide one at fewer
# (between them the fit is held and its states filtered on).
FIT_BUDGET = 256
# Rows x columns one backtest's refits may pass over, all together: each
# filters its states through the whole history, so a long series (past
# 4,096 rows a column) is refitted at fewer origins, and its cost grows
# with its length, not with length x origins (two columns of 250,000
# rows: 128 refits of Theta and damped ES took minutes).
FIT_CELLS = 2 ** 20
# The rows a backtest's fit reads at most: the last ones before its first
# origin (whole seasons). Their weights then filter the states through
# every row, so only the filtering grows with the length. A series of
# 16,384 rows or fewer is fitted on all of them, as before.
FIT_ROWS = 2 ** 14
# Grid points x columns of one smoothing step's arrays (cache-sized).
_CELLS = 2 ** 14


def fit_start(first, season):
    """int: The first row a fit ending before row ``first`` reads (a
    multiple of ``season``, so seasonal indices keep their phase)."""
    start = max(0, first - FIT_ROWS)
    return start - start % max(1, season or 1)


def has_season(y, season):
    """bool: The ACF at lag ``season`` passes statsmodels' 90 % test."""
    y = np.asarray(y, dtype=np.float64)
    e = y - y.mean()
    denominator = e @ e
    if not season or season < 2 or len(y) < 2 * season or not denominator:
        return False
    rho = np.array([e[k:] @ e[:len(e) - k] for k in range(season + 1)]) \
        / denominator
    return bool(len(y) * rho[-1] ** 2 / np.sum(rho[:-1] ** 2)
                > _SEASONAL_CRITICAL)


def centred_trend(x, season):
    """The centred moving average over one season (2 x season for an even
    one) and the row it starts at (the ends have none).

    Returns:
        tuple: ``(trend, offset)``: ``trend[i]`` belongs to row
        ``offset + i``.
    """
    x = np.asarray(x, dtype=np.float64)
    if season % 2 == 0:
        kernel = np.r_[0.5, np.ones(season - 1), 0.5] / season
    else:
        kernel = np.ones(season) / season
    trend = np.convolve(x, kernel, mode='valid')
    return trend, (len(x) - len(trend)) // 2


def seasonal_indices(y, season, multiplicative):
    """Classical decomposition's seasonal indices, position ``i % season``
    of ``y``'s rows (a centred moving average over one season; indices
    averaged over whole seasons, normalised to mean 1 or 0)."""
    y = np.asarray(y, dtype=np.float64)
    trend, offset = centred_trend(y, season)
    part = y[offset:offset + len(trend)]
    detrended = part / trend if multiplicative else part - trend
    # Position p's rows are every season-th from its first (a strided view
    # sums as the selected copy did).
    means = np.array([detrended[(p - offset) % season::season].mean()
                      for p in range(season)])
    return means / means.mean() if multiplicative else means - means.mean()


def seasonal_form(y, season):
    """Theta's seasonal form of ``y``: ``None`` where the seasonal test
    fails, else ``(multiplicative, indices)`` (multiplicative for positive
    series whose multiplicative indices are positive, else additive)."""
    y = np.asarray(y, dtype=np.float64)
    if not has_season(y, season):
        return None
    multiplicative = bool((y > 0).all())
    seasonal = seasonal_indices(y, season, multiplicative)
    if multiplicative and seasonal.min() <= 0:
        multiplicative = False
        seasonal = seasonal_indices(y, season, False)
    return multiplicative, seasonal


def deseasonalise(y, season, form=False):
    """Theta's deseasonalisation where the seasonal test passes
    (:func:`seasonal_form`).

    Args:
        y: The history.
        season (int): Season length.
        form: :func:`seasonal_form`'s answer, when already known.

    Returns:
        tuple: ``(adjusted, reseasonalise)``: the adjusted history and a
        function mapping ``(horizon,)`` forecasts past it back (the
        identity without a season).
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if form is False:
        form = seasonal_form(y, season)
    if form is None:
        return y, lambda forecast: forecast
    multiplicative, seasonal = form
    at = seasonal[np.arange(n) % season]

    def back(forecast):
        ahead = seasonal[(n + np.arange(len(forecast))) % season]
        return forecast * ahead if multiplicative else forecast + ahead
    return (y / at if multiplicative else y - at), back


def theta_forecast(y, horizon, season=None):
    """The Theta forecast of one column (:func:`theta_forecasts_of`).

    Args:
        y: The history, oldest first (2 rows at least).
        horizon (int): Steps forecast.
        season (int): Season length (``None``: not deseasonalised).

    Returns:
        numpy.ndarray: ``(horizon,)`` forecasts.
    """
    return theta_forecasts_of([y], horizon, season)[:, 0]


def theta_forecasts_of(columns, horizon, season=None, chunk=None):
    """:func:`theta_forecast` of many columns of any lengths at once, each
    left-padded with its first value (simple smoothing started there does
    not move on those rows, so every fit is the one column's own).

    Args:
        columns (list): 1-D histories (one row at least; a column of one
            row is forecast flat).
        horizon (int): Steps.
        season (int): Season length.
        chunk (int): Columns per array (default: what keeps a step's
            arrays in cache).

    Returns:
        numpy.ndarray: ``(horizon, len(columns))``.
    """
    out = np.empty((horizon, len(columns)))
    prepared = [deseasonalise(y, season) if len(y) > 1 else
                (np.asarray(y, dtype=np.float64), lambda f: f)
                for y in columns]
    lengths = np.array([len(y) for y, _ in prepared])
    order = np.argsort(-lengths, kind='stable')
    chunk = chunk or max(1, _CELLS // len(_GRID))
    h = np.arange(horizon, dtype=np.float64)[:, None]
    for at in range(0, len(columns), chunk):
        picked = order[at:at + chunk]
        width = int(lengths[picked[0]])
        padded = np.empty((width, len(picked)))
        for k, j in enumerate(picked):
            y = prepared[j][0]
            padded[:width - len(y), k] = y[0]
            padded[width - len(y):, k] = y
        alpha = _fit_ses_many(padded)
        level = padded[0].copy()
        for value in padded:
            level = level + alpha * (value - level)
        n = lengths[picked]
        b0 = np.array([np.polyfit(np.arange(m, dtype=np.float64),
                                  prepared[j][0], 1)[0] if m > 1 else 0.0
                       for j, m in zip(picked, n)])
        # Python's pow (NumPy's vectorised one can differ in the last bit,
        # and the forecasts were bitwise those of one column at a time).
        decay = np.array([float(1 - a) ** int(m) for a, m in zip(alpha, n)])
        with np.errstate(divide='ignore', invalid='ignore'):
            shift = np.where(alpha > 0, 1 / alpha - decay / alpha, 0.0)
        forecasts = level + 0.5 * b0 * (h + shift)
        for k, j in enumerate(picked):
            out[:, j] = prepared[j][1](forecasts[:, k])
    return out


def _fit_ses_many(y):
    """The smoothing weight of least squared one-step error of every
    column of ``y`` (``(T, n)``), simple smoothing started at its first
    row: a grid of 101, then three finer ones of 21 around the best, each
    one array pass over the rows for all columns.

    Returns:
        numpy.ndarray: ``(n,)`` smoothing weights.
    """
    n = y.shape[1]
    alphas = np.repeat(_GRID[None], n, axis=0)
    rows = np.arange(n)
    for _ in range(4):
        level = np.repeat(y[:1].T, alphas.shape[1], axis=1)
        sse = np.zeros(alphas.shape)
        error, work = np.empty_like(sse), np.empty_like(sse)
        for value in y:
            np.subtract(value[:, None], level, out=error)
            np.multiply(error, error, out=work)
            sse += work
            np.multiply(alphas, error, out=work)
            level += work
        best = alphas[rows, np.argmin(sse, axis=1)]
        if _ == 3:
            return best
        step = alphas[:, 1] - alphas[:, 0]
        lo = np.maximum(0.0, best - step)
        hi = np.minimum(1.0, best + step)
        alphas = np.linspace(lo, hi, 21, axis=1)


def refit_groups(origins, columns, budget=FIT_BUDGET, rows=None):
    """The origins of a backtest in groups, each fitted at its first:
    every origin its own group while ``columns`` x origins stays within
    ``budget`` fits and fits x ``rows`` x ``columns`` within
    :data:`FIT_CELLS`, else as many runs of neighbouring origins as both
    allow (one at least).

    Args:
        origins: The backtest's origins.
        columns (int): Columns fitted together.
        budget (int): Fits of all columns together.
        rows (int): The history a fit reads (default: the last origin's).

    Returns:
        list: Index arrays into ``origins`` (in order).
    """
    count = len(origins)
    columns = max(columns, 1)
    if rows is None:
        rows = int(np.max(origins)) + 1 if count else 1
    groups = min(count, max(1, budget // columns),
                 max(1, FIT_CELLS // (max(rows, 1) * columns)))
    return np.array_split(np.arange(count), groups)


def held_fits(forecasts):
    """Wraps ``forecasts(series, origins, horizon, season)`` (one fit at
    the first origin, held over the rest) to refit at the first origin of
    every :func:`refit_groups` group."""
    def grouped(series, origins, horizon, season=None):
        series = np.asarray(series, dtype=np.float64)
        origins = np.asarray(origins, dtype=np.int64)
        out = np.empty((horizon, len(origins), series.shape[1]))
        for group in refit_groups(origins, series.shape[1]):
            out[:, group] = forecasts(series, origins[group], horizon, season)
        return out
    grouped.__doc__ = forecasts.__doc__
    grouped.__name__ = forecasts.__name__
    return grouped


@held_fits
def theta_forecasts(series, origins, horizon, season=None):
    """Theta forecasts from every origin, ``(horizon, B, n)``; the history
    of origin ``o`` is rows ``<= o``.

    Refitted at every origin (as :func:`theta_forecast`) while the columns
    x origins fits stay within :data:`FIT_BUDGET`; a wider table is
    refitted at the first origin of each of :func:`refit_groups`' runs and
    the fit held over the rest of it: the seasonal form and smoothing
    weight kept, the level filtered on through the rows and the trend's
    least-squares line refitted at each origin, in one array pass (what
    makes a table of 1,000 columns as cheap per column as one of 10).
    """
    series = np.asarray(series, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    n = series.shape[1]
    end = int(origins.max()) + 1
    first = int(origins.min()) + 1
    rows = series[:end]
    adjusted = np.empty_like(rows)
    ahead = np.zeros((horizon, len(origins), n))  # the indices ahead
    multiplicative = np.zeros(n, dtype=bool)
    steps = (origins[:, None] + 1 + np.arange(horizon)[None]).T
    start = fit_start(first, season)
    for j in range(n):
        form = seasonal_form(rows[start:first, j], season)
        if form is None:
            adjusted[:, j] = rows[:, j]
            continue
        multiplicative[j], seasonal = form
        at = seasonal[np.arange(end) % season]
        adjusted[:, j] = rows[:, j] / at if multiplicative[j] \
            else rows[:, j] - at
        ahead[:, :, j] = seasonal[steps % season]
    alpha = _fit_ses_many(adjusted[start:first])
    level = adjusted[0].copy()
    levels = np.empty((len(origins), n))
    picked = np.full(end, -1)
    picked[origins] = np.arange(len(origins))
    for t in range(end):
        level += alpha * (adjusted[t] - level)
        if picked[t] >= 0:
            levels[picked[t]] = level
    # The least-squares slope of rows 0..o at every origin, from sums.
    t = np.arange(end, dtype=np.float64)[:, None]
    count = (origins + 1).astype(np.float64)[:, None]
    sum_t = np.cumsum(t, axis=0)[origins]
    sum_tt = np.cumsum(t * t, axis=0)[origins]
    sum_y = np.cumsum(adjusted, axis=0)[origins]
    sum_ty = np.cumsum(t * adjusted, axis=0)[origins]
    spread = count * sum_tt - sum_t ** 2
    with np.errstate(invalid='ignore', divide='ignore'):
        b0 = np.where(spread > 0, (count * sum_ty - sum_t * sum_y)
                      / np.where(spread > 0, spread, 1), 0.0)
        shift = np.where(alpha > 0, 1 / alpha - (1 - alpha) ** count
                         / np.where(alpha > 0, alpha, 1), 0.0)
    h = np.arange(horizon, dtype=np.float64)[:, None, None] + shift[None]
    forecasts = levels[None] + 0.5 * b0[None] * h
    return np.where(multiplicative, forecasts * ahead, forecasts + ahead)
