"""Prediction intervals: split-conformal half-widths per horizon step.

Distribution-free and valid for any trained model: the absolute errors of a
backtest's calibration origins give, per horizon step and variable, the
half-width that covers a new value with the wanted probability.
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


def interval_scores(forecasts, actual, half_widths, scale):
    """Coverage, mean width and MSIS of ``forecast +- half_width``.

    Args:
        forecasts: ``(H, B, n)``.
        actual: ``(H, B, n)``.
        half_widths (dict): level -> ``(H, n)``.
        scale: ``(n,)`` MASE denominators (MSIS is scaled like MASE).

    Returns:
        pandas.DataFrame: One row per level: ``coverage`` (fraction of
        actual values inside), ``width`` (mean, scaled) and ``MSIS`` (mean
        interval score of Gneiting & Raftery, 2007, scaled).
    """
    rows = {}
    for level, half in half_widths.items():
        lower = forecasts - half[:, None, :]
        upper = forecasts + half[:, None, :]
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


def with_intervals(future, half_widths):
    """A forecast with ``<column>_lower_<pct>`` / ``_upper_<pct>`` columns.

    Args:
        future (pandas.DataFrame): Point forecast, one row per step ahead.
        half_widths (dict): level -> ``(H, n)`` half-widths; steps beyond
            ``H`` take the last step's (the widest one measured).

    Returns:
        pandas.DataFrame: The point columns, then the bounds.
    """
    steps = len(future)
    frame = future.copy()
    for level, half in sorted(half_widths.items()):
        half = np.asarray(half, dtype=np.float64)
        rows = np.minimum(np.arange(steps), len(half) - 1)
        pct = '{:g}'.format(100 * level)
        for j, name in enumerate(future.columns):
            frame['{}_lower_{}'.format(name, pct)] = \
                future[name].to_numpy() - half[rows, j]
            frame['{}_upper_{}'.format(name, pct)] = \
                future[name].to_numpy() + half[rows, j]
    return frame
