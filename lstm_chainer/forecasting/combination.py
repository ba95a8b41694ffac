"""The network's forecasts combined with Theta's, the weight chosen on the
validation backtest.

On short series a network trained on a few dozen rows forecasts with a
large variance; Theta (:mod:`~lstm_chainer.forecasting.theta`) with a
small one. Their mean is often better than either (forecast combination,
the lesson of the M competitions), and on the shortest series Theta alone
is. ``fit_auto(combine='auto')`` scores the network, the mean and Theta on
the backtest of the held-out part and keeps the best; the forecaster
carries the weight (``{'theta': w}``) and applies it in every forecast and
backtest.
"""
from __future__ import annotations

import numpy as np

CHOICES = ('auto', 'none', 'mean', 'theta')
# What each choice forecasts: Theta's weight (the network has the rest).
WEIGHTS = {'none': 0.0, 'mean': 0.5, 'theta': 1.0}
NETWORK = 'network'  # the network alone, beside a combination in backtests


def check(choice):
    """The ``combine`` setting, checked (ValueError)."""
    if choice not in CHOICES:
        raise ValueError('combine must be one of {}, got {!r}'.format(
            ', '.join(CHOICES), choice))
    return choice


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


def choose_on(network, theta, actual, scale, choice='auto'):
    """Theta's weight: given, or (``auto``) the one of the network, the
    mean or Theta whose mean MASE on the backtest is least.

    Args:
        network, theta: ``(H, B, n)`` forecasts from the same origins.
        actual: ``(H, B, n)`` what happened.
        scale: ``(n,)`` MASE scale.
        choice (str): One of :data:`CHOICES`.

    Returns:
        tuple: ``(weights, name, scores)``; ``scores`` maps each
        candidate to its mean MASE (``{}`` when the choice was given).
    """
    check(choice)
    if choice != 'auto':
        w = WEIGHTS[choice]
        return ({'theta': w} if w else {}), choice, {}
    scores = {}
    for name, w in WEIGHTS.items():  # the network first: it wins ties
        f = mix(network, {'theta': theta}, {'theta': w})
        scores[name] = float(np.nanmean(np.abs(f - actual).mean(axis=(0, 1))
                                        / scale))
    best = min(scores, key=lambda name: (scores[name], WEIGHTS[name]))
    w = WEIGHTS[best]
    return ({'theta': w} if w else {}), best, scores


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
