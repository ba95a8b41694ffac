"""A regression on the covariates with AR(1) errors: the classical
forecast that uses known drivers (fable's ``TSLM`` + ARIMA errors,
statsforecast's ``X_df``), a partner of the network where covariates are
named.

Per target column, least squares on an intercept, every covariate, the
square of every covariate that takes more than two values (a U-shaped
response, as electricity demand to temperature) and, for a season of at
most :data:`MAX_DUMMY_SEASON` rows, one dummy per position in the season;
the residuals' lag-1 autocorrelation (in ``[0, 0.99]``) carries the last
residual into the forecast, decaying as ``phi ** h``.
"""
from __future__ import annotations

import numpy as np

MAX_DUMMY_SEASON = 24


def design(covariates, positions, season=None, known=None):
    """The regressors of the given rows.

    Args:
        covariates: ``(T, k)`` the covariates of every row (the history's
            and the future's).
        positions: ``(m,)`` rows to build.
        season (int): Season (dummies where ``2 <= season <=``
            :data:`MAX_DUMMY_SEASON`).
        known (int): Rows (from the first) that decide which covariates
            get a square (default: all).

    Returns:
        numpy.ndarray: ``(m, p)``.
    """
    covariates = np.asarray(covariates, dtype=np.float64)
    positions = np.asarray(positions, dtype=np.int64)
    x = covariates[positions]
    parts = [np.ones((len(positions), 1)), x]
    # Only covariates with more than two values in the history get a
    # square (a flag's square is the flag).
    seen = covariates[:known]
    curved = [j for j in range(covariates.shape[1])
              if len(np.unique(seen[:, j])) > 2]
    if curved:
        centre = seen[:, curved].mean(axis=0)
        parts.append(np.square(x[:, curved] - centre))
    if season and 2 <= season <= MAX_DUMMY_SEASON:
        phase = positions % season
        parts.append((phase[:, None] == np.arange(1, season)[None])
                     .astype(np.float64))
    return np.concatenate(parts, axis=1)


def regression_forecasts(rows, origins, horizon, season=None, n_targets=1):
    """Forecasts from every origin, ``(horizon, B, n_targets)``.

    Args:
        rows: ``(T, n_targets + k)`` targets first, then the covariates;
            the covariates must be there up to ``max(origins) + horizon``
            (the known future), the targets up to each origin.
        origins: Origins (the fit uses rows ``<= o``).
        horizon (int): Steps.
        season (int): Season (seasonal dummies for a short one).
        n_targets (int): The targets' columns.

    Returns:
        numpy.ndarray: The forecasts.
    """
    rows = np.asarray(rows, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    targets, covariates = rows[:, :n_targets], rows[:, n_targets:]
    if covariates.shape[1] == 0:
        raise ValueError('a regression on the covariates needs covariates')
    if len(rows) < origins.max() + horizon + 1:
        raise ValueError('the covariates must be known for the {} rows after '
                         'the last origin'.format(horizon))
    out = np.empty((horizon, len(origins), n_targets))
    steps = np.arange(1, horizon + 1)
    for b, o in enumerate(origins):
        # Each origin decides its terms from the rows it knows.
        x = design(covariates, np.arange(o + 1 + horizon), season, o + 1)
        past, ahead = x[:o + 1], x[o + 1:]
        beta = np.linalg.lstsq(past, targets[:o + 1], rcond=None)[0]
        residuals = targets[:o + 1] - past @ beta
        phi = _ar1(residuals)
        out[:, b] = ahead @ beta + phi[None] ** steps[:, None] \
            * residuals[-1][None]
    return out


def _ar1(residuals):
    """Per column, the lag-1 autocorrelation of the residuals, in
    ``[0, 0.99]``."""
    if len(residuals) < 3:
        return np.zeros(residuals.shape[1])
    lagged, now = residuals[:-1], residuals[1:]
    denominator = np.square(lagged).sum(axis=0)
    with np.errstate(invalid='ignore', divide='ignore'):
        phi = np.where(denominator > 0,
                       (lagged * now).sum(axis=0) / denominator, 0.0)
    return np.clip(phi, 0.0, 0.99)
