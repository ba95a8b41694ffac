"""The network's forecasts combined with classical ones (Theta, damped
exponential smoothing), the weights chosen on the validation backtest.

On short series a network trained on a few dozen rows forecasts with a
large variance; Theta (:mod:`~lstm_chainer.forecasting.classical.theta`) and damped
smoothing (:mod:`~lstm_chainer.forecasting.classical.damped`) with a small one.
Their mean is often better than any one of them (forecast combination,
the lesson of the M competitions). ``fit_auto(combine='auto')`` and
``fit_global`` choose among :data:`CANDIDATES` on their backtests; the
forecaster carries the weights (``{'theta': 0.5}``) and applies them in
every forecast and backtest.
"""
from __future__ import annotations

import numpy as np

from lstm_chainer.forecasting.classical.damped import damped_origin_forecasts
from lstm_chainer.forecasting.classical.theta import theta_forecasts
from lstm_chainer.forecasting.models.pretrained import pretrained_forecasts


def naive_forecasts(series, origins, horizon, season=None):
    """Persistence: each origin's last value, ``(horizon, B, n)``."""
    last = np.asarray(series, dtype=np.float64)[np.asarray(origins)]
    return np.broadcast_to(last, (horizon,) + last.shape).copy()


def seasonal_naive_forecasts(series, origins, horizon, season=None):
    """The value one season before each target, ``(horizon, B, n)``
    (naive without a season, or from an origin inside the first
    season)."""
    if not season or season <= 1:
        return naive_forecasts(series, origins, horizon)
    origins = np.asarray(origins, dtype=np.int64)
    h = np.arange(1, horizon + 1)[:, None]
    rows = origins[None, :] + h - season * -(-h // season)
    rows = np.where(rows >= 0, rows, origins[None, :])
    return np.asarray(series, dtype=np.float64)[rows]


# The partners: name -> forecasts ``(horizon, B, n)`` from every origin,
# ``f(series, origins, horizon, season)``.
PARTNER_FORECASTS = {'theta': theta_forecasts,
                     'damped': damped_origin_forecasts,
                     'naive': naive_forecasts,
                     'seasonal_naive': seasonal_naive_forecasts,
                     'pretrained': pretrained_forecasts}
# The forecasts a model can be: the partners' weights (the network has
# the rest).
CANDIDATES = {
    'none': {},
    'mean': {'theta': 0.5},
    'theta': {'theta': 1.0},
    'mean_damped': {'damped': 0.5},
    'damped': {'damped': 1.0},
    'mean3': {'theta': 1 / 3, 'damped': 1 / 3},
    'classical': {'theta': 0.5, 'damped': 0.5},
    'naive': {'naive': 1.0},
    'seasonal_naive': {'seasonal_naive': 1.0},
    # Where covariates are named: the regression on them with AR(1)
    # errors (regression.py), alone or with the network.
    'regression': {'regression': 1.0},
    'mean_regression': {'regression': 0.5},
    # One table: the pretrained network's zero-shot forecast (pretrained.py)
    # alone, with the table's own network, or with Theta and damped ES.
    'pretrained': {'pretrained': 1.0},
    'mean_pretrained': {'pretrained': 0.5},
    'pretrained3': {'pretrained': 1 / 3, 'theta': 1 / 3, 'damped': 1 / 3},
}
# Candidates only one table's backtest can score (its partners are
# computed there alone).
ONE_TABLE = ('regression', 'mean_regression', 'pretrained',
             'mean_pretrained', 'pretrained3')
# Partners that read the covariates (rows with them, not the targets
# alone: :func:`~lstm_chainer.forecasting.classical.regression.
# regression_forecasts`).
COVARIATE_PARTNERS = ('regression',)
CHOICES = ('auto',) + tuple(CANDIDATES)
NETWORK = 'network'  # the network alone, beside a combination in backtests


def check(choice):
    """The ``combine`` setting, checked (ValueError)."""
    if choice not in CHOICES:
        raise ValueError('combine must be one of {}, got {!r}'.format(
            ', '.join(CHOICES), choice))
    return choice


def name_of(weights):
    """str: The candidate these weights are (``None``: none of them)."""
    weights = {k: v for k, v in (weights or {}).items() if v}
    for name, candidate in CANDIDATES.items():
        if candidate.keys() == weights.keys() and all(
                abs(candidate[k] - w) < 1e-9 for k, w in weights.items()):
            return name
    return None


def mix(network, partners, weights):
    """``(1 - sum(w)) network + sum(w partner)``.

    Args:
        network: The network's forecasts.
        partners (dict): Name -> the same shape of forecasts.
        weights (dict): Name -> weight.
    """
    out = (1 - sum(weights.values())) * np.asarray(network, np.float64)
    for name, w in weights.items():
        out = out + w * np.asarray(partners[name], np.float64)
    return out


# fit_auto's 'auto': the mean of Theta and damped smoothing unless another
# candidate scores a backtest MASE lower than it by at least its margin, a
# share of the default's: MARGIN / sqrt(origins) times the candidate's
# factor (at most MAX_MARGIN). A single series' backtest has few origins
# (two on most M3 yearly series), so its lowest score is often chance; the
# margin shrinks as the origins grow, as a standard error does. The
# network alone needs ten times the margin: chosen on such backtests it
# forecast M3's test rows far worse than the others
# (benchmarks/experiments/combination.md).
DEFAULT = 'classical'
MARGIN = 0.2
MAX_MARGIN = 0.9
FACTORS = {'mean': 1, 'mean_damped': 1, 'mean3': 1, 'theta': 1, 'damped': 1,
           'regression': 1, 'mean_regression': 1, 'none': 10}
# The pretrained network's candidates are not chosen by a margin (a few
# origins' lowest score is often chance: letting 'auto' choose them raised
# M3's test MASE from 1.402 to 1.509). But where the table has no season,
# the mean of the pretrained network, Theta and damped ES is the default:
# short yearly-like series are where a network that learnt from thousands
# helps most. Replayed on three samples with weights trained without them
# (benchmarks/rules.py), the geometric mean of MASE over AutoETS's went
# 0.949 -> 0.937 (M3, seed 0), 1.024 -> 0.997 (M3, seed 1) and 0.963 ->
# 0.937 (M1), the network then in 51-61 % of the forecasts; as the default
# for seasonal tables too it lost (1.019 against 0.916 on M3 quarterly).
DEFAULT_WITHOUT_SEASON = 'pretrained3'


# Whatever 'auto' chose, a baseline whose validation MASE is lower than the
# choice's by more than GUARD (a share of the choice's) replaces it where
# the validation holds MIN_WINDOWS independent windows at least (series
# times non-overlapping horizons): a few series can never make a margin
# significant, but a forecast that they show clearly worse than a baseline
# is not kept. On fewer windows (one series' overlapping origins: one or
# two windows on M3) a lower score is chance: there the guard at any share
# from 5 % to 50 % lowered M3's test accuracy (benchmarks/experiments/
# combination.md).
GUARD = 0.05
MIN_WINDOWS = 8
FALLBACKS = ('naive', 'seasonal_naive', 'theta', 'damped')


def windows(series, origins, horizon):
    """int: Independent validation windows: per series, the origins'
    non-overlapping horizons (consecutive origins share most rows)."""
    return int(series) * -(-int(origins) // max(int(horizon), 1))


def guard(chosen, scores, count=MIN_WINDOWS):
    """The chosen candidate, or the baseline (:data:`FALLBACKS`) of least
    validation MASE where ``chosen`` scores more than :data:`GUARD` above
    it on at least :data:`MIN_WINDOWS` windows.

    Args:
        chosen (str): The candidate chosen.
        scores (dict): Candidate -> validation MASE (the fallbacks'
            included).
        count (int): The validation's independent windows
            (:func:`windows`).

    Returns:
        str: The candidate to forecast with.
    """
    fallbacks = [name for name in FALLBACKS
                 if np.isfinite(scores.get(name, np.nan))]
    if count < MIN_WINDOWS or not fallbacks or \
            not np.isfinite(scores.get(chosen, np.nan)):
        return chosen
    best = min(fallbacks, key=scores.get)
    return best if scores[chosen] > (1 + GUARD) * scores[best] else chosen


def guard_note(chosen, final, scores):
    """The clause that says a baseline replaced the choice (``''``)."""
    if final == chosen:
        return ''
    return '; {} replaced {} as it scored MASE {:.3g} on the validation, ' \
        'more than {:.0%} below its {:.3g}'.format(
            describe(CANDIDATES[final]), describe(CANDIDATES[chosen]),
            scores[final], GUARD, scores[chosen])


def uses_covariates(weights):
    """bool: A forecast with these weights reads the covariates (the
    network or the regression has a weight)."""
    weights = {k: v for k, v in (weights or {}).items() if v}
    return sum(weights.values()) < 1 - 1e-9 or any(
        k in COVARIATE_PARTNERS for k in weights)


def margins(origins):
    """dict: Candidate -> the share of the default's backtest MASE by which
    it must score lower to replace it, on ``origins`` origins."""
    base = MARGIN / np.sqrt(max(int(origins), 1))
    return {name: min(MAX_MARGIN, base * f) for name, f in FACTORS.items()}


def scores_on(network, partners, actual, scale, names=tuple(CANDIDATES)):
    """Mean MASE of each candidate on a backtest.

    Args:
        network: ``(H, B, n)`` the network's forecasts.
        partners (dict): Name -> the same shape of classical forecasts.
        actual: ``(H, B, n)`` what happened.
        scale: ``(n,)`` MASE scale.
        names (sequence): Candidates (:data:`CANDIDATES`) to score.

    Returns:
        dict: Name -> mean MASE over the backtest.
    """
    scores = {}
    for name in names:
        f = mix(network, partners, CANDIDATES[name])
        scores[name] = float(np.nanmean(np.abs(f - actual).mean(axis=(0, 1))
                                        / scale))
    return scores


def default_for(season, partners):
    """str: The candidate ``auto`` keeps unless another is better by its
    margin: :data:`DEFAULT_WITHOUT_SEASON` for a table without a season
    whose backtest scored the pretrained network, else :data:`DEFAULT`."""
    if (season or 1) <= 1 and \
            CANDIDATES[DEFAULT_WITHOUT_SEASON].keys() <= set(partners):
        return DEFAULT_WITHOUT_SEASON
    return DEFAULT


def choose_on(network, partners, actual, scale, choice='auto',
              default=DEFAULT):
    """The partners' weights: given, or (``auto``) ``default``'s unless
    another candidate scores a mean MASE on the backtest lower by its
    margin (:func:`margins`; then the least-scoring such candidate's),
    and a baseline where the choice scores clearly worse on windows
    enough (:func:`guard`).

    Args:
        network: ``(H, B, n)`` forecasts from the backtest's ``B`` origins.
        partners (dict): Name -> the same shape of classical forecasts.
        actual: ``(H, B, n)`` what happened.
        scale: ``(n,)`` MASE scale.
        choice (str): One of :data:`CHOICES`.
        default (str): The candidate kept unless another is better by its
            margin (:func:`default_for`).

    Returns:
        tuple: ``(weights, name, scores)``; ``scores`` maps each
        candidate to its mean MASE (``{}`` when the choice was given).
    """
    check(choice)
    if choice != 'auto':
        return dict(CANDIDATES[choice]), choice, {}
    horizon, origins = np.shape(actual)[:2]
    names = [name for name in tuple(FACTORS) + FALLBACKS
             if CANDIDATES[name].keys() <= partners.keys()]
    scores = scores_on(network, partners, actual, scale,
                       (default,) + tuple(dict.fromkeys(names)))
    best = guard(margin_choice(scores, origins, default), scores,
                 windows(1, origins, horizon))
    return dict(CANDIDATES[best]), best, scores


def margin_choice(scores, origins, default=DEFAULT):
    """str: ``default`` unless another candidate scores lower by its
    margin (:func:`margins`) on ``origins`` origins; then the
    least-scoring such one (before :func:`guard`)."""
    needed = margins(origins)
    better = [name for name, margin in needed.items() if name in scores
              and scores[name] < (1 - margin) * scores[default]]
    return min(better, key=scores.get) if better else default


# How describe() names each partner.
PARTNERS = {'theta': 'Theta', 'damped': 'damped ES', 'naive': 'naive',
            'seasonal_naive': 'seasonal naive',
            'regression': 'the regression on the covariates',
            'pretrained': 'the pretrained network'}


def describe(weights):
    """str: What a forecast with these weights is made of."""
    weights = {k: v for k, v in (weights or {}).items() if v}
    if not weights:
        return 'the network'
    own = 1 - sum(weights.values())
    names = [PARTNERS.get(k, k) for k in weights]
    if abs(own) < 1e-9 and len(weights) == 1:
        return names[0] if names[0].startswith('the ') \
            else '{}\'s forecast'.format(names[0])
    parts = list(weights.values()) + ([own] if own > 1e-9 else [])
    if max(parts) - min(parts) < 1e-9:
        every = (['the network'] if own > 1e-9 else []) + names
        return 'the mean of {} and {}'.format(', '.join(every[:-1]),
                                              every[-1])
    return ' + '.join(['{:g} x the network'.format(own)] + [
        '{:g} x {}'.format(w, name) for w, name in zip(weights.values(),
                                                       names)])
