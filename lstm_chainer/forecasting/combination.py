"""The network's forecasts combined with classical ones (Theta, damped
exponential smoothing), the weights chosen on the validation backtest.

On short series a network trained on a few dozen rows forecasts with a
large variance; Theta (:mod:`~lstm_chainer.forecasting.theta`) and damped
smoothing (:mod:`~lstm_chainer.forecasting.damped`) with a small one.
Their mean is often better than any one of them (forecast combination,
the lesson of the M competitions). ``fit_auto(combine='auto')`` and
``fit_global`` choose among :data:`CANDIDATES` on their backtests; the
forecaster carries the weights (``{'theta': 0.5}``) and applies them in
every forecast and backtest.
"""
from __future__ import annotations

import numpy as np

from lstm_chainer.forecasting.damped import damped_origin_forecasts
from lstm_chainer.forecasting.theta import theta_forecasts

# The classical partners: name -> forecasts ``(horizon, B, n)`` from every
# origin, ``f(series, origins, horizon, season)``.
PARTNER_FORECASTS = {'theta': theta_forecasts,
                     'damped': damped_origin_forecasts}
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
}
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
# forecast M3's test rows far worse than the others (benchmarks/README.md).
DEFAULT = 'classical'
MARGIN = 0.2
MAX_MARGIN = 0.9
FACTORS = {'mean': 1, 'mean_damped': 1, 'mean3': 1, 'theta': 1, 'damped': 1,
           'none': 10}


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


def choose_on(network, partners, actual, scale, choice='auto'):
    """The partners' weights: given, or (``auto``) :data:`DEFAULT`'s unless
    another candidate scores a mean MASE on the backtest lower by its
    margin (:func:`margins`; then the least-scoring such candidate's).

    Args:
        network: ``(H, B, n)`` forecasts from the backtest's ``B`` origins.
        partners (dict): Name -> the same shape of classical forecasts.
        actual: ``(H, B, n)`` what happened.
        scale: ``(n,)`` MASE scale.
        choice (str): One of :data:`CHOICES`.

    Returns:
        tuple: ``(weights, name, scores)``; ``scores`` maps each
        candidate to its mean MASE (``{}`` when the choice was given).
    """
    check(choice)
    if choice != 'auto':
        return dict(CANDIDATES[choice]), choice, {}
    needed = margins(np.shape(actual)[1])
    scores = scores_on(network, partners, actual, scale,
                       (DEFAULT,) + tuple(needed))
    better = [name for name, margin in needed.items()
              if scores[name] < (1 - margin) * scores[DEFAULT]]
    best = min(better, key=scores.get) if better else DEFAULT
    return dict(CANDIDATES[best]), best, scores


# How describe() names each partner.
PARTNERS = {'theta': 'Theta', 'damped': 'damped ES'}


def describe(weights):
    """str: What a forecast with these weights is made of."""
    weights = {k: v for k, v in (weights or {}).items() if v}
    if not weights:
        return 'the network'
    own = 1 - sum(weights.values())
    names = [PARTNERS.get(k, k) for k in weights]
    if abs(own) < 1e-9 and len(weights) == 1:
        return '{}\'s forecast'.format(names[0])
    parts = list(weights.values()) + ([own] if own > 1e-9 else [])
    if max(parts) - min(parts) < 1e-9:
        every = (['the network'] if own > 1e-9 else []) + names
        return 'the mean of {} and {}'.format(', '.join(every[:-1]),
                                              every[-1])
    return ' + '.join(['{:g} x the network'.format(own)] + [
        '{:g} x {}'.format(w, name) for w, name in zip(weights.values(),
                                                       names)])
