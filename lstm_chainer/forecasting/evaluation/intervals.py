"""Prediction intervals: conformal half-widths per horizon step.

Distribution-free and valid for any trained model: the absolute errors of a
backtest's calibration origins give, per horizon step and variable, the
half-width that covers a new value with the wanted probability
(:func:`conformal_quantiles`). Real errors are not exchangeable over time
(calm and turbulent years), so :func:`tracked_quantiles` then moves each
half-width after every outcome it missed or covered, as the quantile
tracker of conformal PID control does (Angelopoulos, Candes & Tibshirani,
2023).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def conformal_quantiles(residuals, levels=(0.8, 0.95)) -> dict:
    """Split-conformal half-widths per horizon and variable.

    For each level the half-width is the ``ceil((n + 1) level) / n``
    empirical quantile of the absolute residuals of ``n`` calibration
    origins, so that ``forecast +- half-width`` covers a new value with
    probability at least ``level`` whatever the model (Vovk et al., 2005;
    Lei et al., 2018), per horizon step.

    Args:
        residuals: ``(H, n, variables)`` forecast minus actual.
        levels (sequence): Coverage levels in (0, 1).

    Returns:
        dict: level -> ``(H, variables)`` half-widths (``inf`` where too
        few origins reach the level).
    """
    residuals = np.abs(np.asarray(residuals, dtype=np.float64))
    n = residuals.shape[1]
    result = {}
    for level in levels:
        if not 0 < level < 1:
            raise ValueError('interval levels must be in (0, 1), got '
                             '{!r}'.format(level))
        rank = int(np.ceil((n + 1) * level))
        if rank > n:
            result[level] = np.full((residuals.shape[0], residuals.shape[2]),
                                    np.inf)
        else:
            result[level] = np.sort(residuals, axis=1)[:, rank - 1]
    return result


def tracked_quantiles(residuals, levels=(0.8, 0.95), calibration: int = 0,
                      delays=None, rate: float = 0.2):
    """Conformal half-widths that follow the errors over the origins.

    Each half-width starts from :func:`conformal_quantiles` of the first
    ``calibration`` origins; afterwards, as soon as an origin's outcome is
    known (``delays[h]`` origins later for horizon step ``h``), it grows
    by ``rate * level * spread`` if that outcome fell outside, and
    shrinks by ``rate * (1 - level) * spread`` if inside (``spread``: the
    range of the calibration errors), so that the long-run miss rate tends
    to ``1 - level`` whatever the drift of the error scale.

    Two bounds keep the widths sane: a half-width never exceeds the largest
    absolute error known at that time (for its step and variable: wider
    covers nothing more that was seen; without it, misses that arrive late
    on long horizons pile up), and the levels nest — at every step a
    higher level's half-width is at least a lower one's.

    Args:
        residuals: ``(H, B, variables)`` forecast minus actual, origins in
            time order.
        levels (sequence): Coverage levels in (0, 1).
        calibration (int): Leading origins that set the starting widths.
        delays (sequence): Per horizon step, origins between an origin and
            the one at which its outcome is known (default ``h + 1``: one
            row between origins).
        rate (float): Step size as a fraction of the calibration errors'
            range (0: plain split conformal).

    Returns:
        tuple: ``(widths, final)``: level -> ``(H, B - calibration,
        variables)``, the half-width each later origin had from what was
        known at it, and level -> ``(H, variables)`` for forecasts past the
        data: the mean half-width of the last quarter of the later origins,
        once every outcome is in (one tracked value jumps by the steps).
    """
    residuals = np.abs(np.asarray(residuals, dtype=np.float64))
    steps, n_origins, _ = residuals.shape
    if not 0 < calibration < n_origins:
        raise ValueError('{} origins cannot be split into {} calibration '
                         'origins and later ones'.format(n_origins,
                                                         calibration))
    if rate < 0:
        raise ValueError('rate must be >= 0, got {!r}'.format(rate))
    delays = np.arange(1, steps + 1) if delays is None \
        else np.asarray(delays, dtype=np.int64)
    start = conformal_quantiles(residuals[:, :calibration], levels)
    calib = residuals[:, :calibration]
    spread = calib.max(axis=1) - calib.min(axis=1)
    later = residuals[:, calibration:]
    n_later = later.shape[1]
    rows = np.arange(steps)
    widths, final = {}, {}
    for level in levels:
        half = start[level].copy()
        largest = calib.max(axis=1)  # the largest error known so far
        out = np.empty_like(later)
        # At origin t the outcomes of origins t - delays[h] become known.
        for t in range(n_later + int(delays.max())):
            known = t - delays
            ok = (known >= 0) & (known < n_later)
            if ok.any():
                h, b = rows[ok], known[ok]
                miss = later[h, b] > out[h, b]
                half[h] += rate * spread[h] * (miss - (1 - level))
                largest[h] = np.maximum(largest[h], later[h, b])
                np.maximum(half, 0, out=half)
                # inf (a level too few origins reach) stays inf.
                np.minimum(half, np.where(np.isfinite(half), largest, np.inf),
                           out=half)
            if t < n_later:
                out[:, t] = half
        widths[level] = out
        final[level] = np.concatenate(
            [out[:, n_later - n_later // 4:], half[:, None]], axis=1) \
            .mean(axis=1)
    return nested(widths), nested(final)


def nested(half_widths):
    """Half-widths that nest: each level's at least every lower level's,
    elementwise (the running maximum over the levels in order).

    Args:
        half_widths (dict): level -> array, all of one shape.

    Returns:
        dict: level -> array.
    """
    result, floor = {}, None
    for level in sorted(half_widths):
        half = np.asarray(half_widths[level], dtype=np.float64)
        floor = half if floor is None else np.maximum(floor, half)
        result[level] = floor
    return result


def interval_scores(forecasts, actual, half_widths, scale):
    """Coverage, mean width and MSIS of ``forecast +- half_width``.

    Args:
        forecasts: ``(H, B, n)``.
        actual: ``(H, B, n)``.
        half_widths (dict): level -> ``(H, n)``, or ``(H, B, n)`` per
            origin.
        scale: ``(n,)`` MASE denominators (MSIS is scaled like MASE).

    Returns:
        pandas.DataFrame: One row per level: ``coverage`` (fraction of
        actual values inside), ``width`` (mean, scaled) and ``MSIS`` (mean
        interval score of Gneiting & Raftery, 2007, scaled).
    """
    rows = {}
    for level, half in half_widths.items():
        half = np.asarray(half)
        if half.ndim == 2:
            half = half[:, None, :]
        lower = forecasts - half
        upper = forecasts + half
        alpha = 1 - level
        score = (upper - lower) \
            + 2 / alpha * np.maximum(lower - actual, 0) \
            + 2 / alpha * np.maximum(actual - upper, 0)
        inside = (actual >= lower) & (actual <= upper)
        rows[level] = {'coverage': float(inside.mean()),
                       'width': float(((upper - lower) / scale).mean()),
                       'MSIS': float((score / scale).mean())}
    frame = pd.DataFrame(rows).T
    frame.index.name = 'level'
    return frame


def carried(half, steps):
    """Half-widths for ``steps`` steps: the calibrated ones, then the last
    calibrated step's (the widest one measured) for every step past them.

    Args:
        half: ``(H, ...)`` half-widths of steps 1..H.
        steps (int): Steps forecast (any number).

    Returns:
        numpy.ndarray: ``(steps, ...)``.
    """
    half = np.asarray(half, dtype=np.float64)
    return half[np.minimum(np.arange(steps), len(half) - 1)]


def with_intervals(future, half_widths, floor=None):
    """A forecast with ``<column>_lower_<pct>`` / ``_upper_<pct>`` columns.

    Args:
        future (pandas.DataFrame): Point forecast, one row per step ahead.
        half_widths (dict): level -> ``(H, n)`` half-widths; steps beyond
            ``H`` take the last step's (the widest one measured). Levels
            whose half-widths are not finite (too few origins) are left out.
        floor (sequence): Per column, the least value a bound may take
            (``None``: any), e.g. 0 for a series that is never negative.

    Returns:
        pandas.DataFrame: The point columns, then the bounds.
    """
    steps = len(future)
    frame = future.copy()
    half_widths = nested({level: half for level, half in half_widths.items()
                          if np.isfinite(half).all()})
    floors = [None] * future.shape[1] if floor is None else list(floor)
    for level, half in sorted(half_widths.items()):
        half = carried(half, steps)
        pct = '{:g}'.format(100 * level)
        for j, name in enumerate(future.columns):
            lower = future[name].to_numpy() - half[:, j]
            upper = future[name].to_numpy() + half[:, j]
            if floors[j] is not None:
                lower = np.maximum(lower, floors[j])
                upper = np.maximum(upper, floors[j])
            frame['{}_lower_{}'.format(name, pct)] = lower
            frame['{}_upper_{}'.format(name, pct)] = upper
    return frame
