"""The ETS baseline for the backtest (statsmodels, an optional extra;
Theta, which needs nothing, is :mod:`~lstm_chainer.forecasting.classical.theta`).

ETS is the state-space exponential smoothing a practitioner tries first:
per column, the form (no trend or a damped additive trend; no, additive or
multiplicative season) with the least AICc on the training part, its
parameters fitted there; at every origin the model is run over the
history up to it with those parameters and forecast.
"""
from __future__ import annotations

import warnings

import numpy as np

CLASSICAL = ('ets',)


def require():
    """Imports statsmodels, or says how to get it (ValueError)."""
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        raise ValueError('the ETS baseline needs statsmodels: pip install '
                         'statsmodels') from None


def ets_forms(y, season):
    """The ETS forms worth trying on ``y``: ``ETSModel`` keyword sets."""
    forms = [{'trend': None}, {'trend': 'add', 'damped_trend': True}]
    if season and len(y) >= 2 * season + 2:
        kinds = ['add', 'mul'] if (y > 0).all() else ['add']
        forms += [dict(form, seasonal=kind, seasonal_periods=season)
                  for form in forms for kind in kinds]
    return forms


def fit_ets(y, season=None):
    """The ETS form with the least AICc on ``y``, and its parameters.

    Args:
        y (numpy.ndarray): One column of training rows.
        season (int): Season length (``None``: no seasonal forms).

    Returns:
        tuple: ``(form, params)``; ``form`` holds ``ETSModel`` keywords.
    """
    require()
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    y = np.asarray(y, dtype=np.float64)
    best = None
    for form in ets_forms(y, season):
        try:
            with warnings.catch_warnings():
                # statsmodels warns about convergence at will.
                warnings.simplefilter('ignore')
                fit = ETSModel(y, error='add', **form).fit(disp=False)
        except (ValueError, np.linalg.LinAlgError):
            continue
        if np.isfinite(fit.aicc) and (best is None or fit.aicc < best[0]):
            best = (fit.aicc, form, fit.params)
    if best is None:
        raise ValueError('no ETS form could be fitted to {} rows'.format(
            len(y)))
    return best[1], best[2]


def ets_forecasts(series, origins, horizon, season=None, train_rows=None):
    """ETS forecasts from every origin, ``(horizon, B, n)``.

    Args:
        series: ``(T, n)`` the whole series.
        origins: Origins (the history is rows ``<= o``).
        horizon (int): Steps forecast.
        season (int): Season length.
        train_rows (int): Rows the form and parameters are fitted on
            (default: up to the first origin).

    Returns:
        numpy.ndarray: The forecasts.
    """
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    series = np.asarray(series, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    rows = int(origins[0]) + 1 if train_rows is None else train_rows
    out = np.empty((horizon, len(origins), series.shape[1]))
    for j in range(series.shape[1]):
        form, params = fit_ets(series[:rows, j], season)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            for b, o in enumerate(origins):
                model = ETSModel(series[:o + 1, j], error='add', **form)
                out[:, b, j] = model.smooth(params).forecast(horizon)
    return out
