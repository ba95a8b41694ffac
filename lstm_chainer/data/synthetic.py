"""Synthetic series for pretraining: the shapes real series are made of.

:func:`synthetic_series` draws series of random length and season from a
mixture of generators: trends and damped trends, level shifts, additive
and multiplicative seasons (one or two at once), ARMA noise, random sums
and products of Gaussian-process kernels (as Chronos' KernelSynth),
intermittent counts and, where asked for, smooth curves with little noise.
Each comes with its season, so a global network can be pretrained on them
beside real collections (``benchmarks/pretrain.py``). :func:`mixup`
draws convex combinations of real series (Chronos' TSMixup).
"""
from __future__ import annotations

import numpy as np

# Seasons drawn (1: none), with the step they belong to: yearly and
# quarterly to hourly and weekly-of-daily.
SEASONS = (1, 1, 4, 7, 12, 12, 24, 52)
KINDS = ('structural', 'kernel', 'intermittent', 'smooth')
# 'smooth' is off by default so that the corpora of the shipped weights
# are drawn again unchanged (a zero weight last leaves the draws as they
# were).
KIND_WEIGHTS = (0.65, 0.25, 0.10, 0.0)


def synthetic_series(count, seed=0, min_length=24, max_length=300,
                     smooth=0.0):
    """Random series and their seasons.

    Args:
        count (int): Series to draw.
        seed (int): Seed (the same seed gives the same series).
        min_length, max_length (int): Range of lengths (log-uniform).
        smooth (float): Share of smooth curves (:func:`smooth_curve`);
            the other generators keep their proportions.

    Returns:
        tuple: ``(series, seasons, kinds)``: a list of ``(length,)``
        float arrays, the ``(count,)`` seasons and each series' generator.
    """
    if not 0.0 <= smooth < 1.0:
        raise ValueError('smooth must be in [0, 1), got {}'.format(smooth))
    weights = np.array(KIND_WEIGHTS[:-1] + (0.0,)) * (1.0 - smooth)
    weights[-1] = smooth
    rng = np.random.default_rng(seed)
    series, seasons, kinds = [], [], []
    for _ in range(int(count)):
        kind = KINDS[rng.choice(len(KINDS), p=weights)]
        season = int(rng.choice(SEASONS))
        low = max(min_length, 3 * season if season > 1 else min_length)
        length = int(np.exp(rng.uniform(np.log(low),
                                        np.log(max(low + 1, max_length)))))
        if kind == 'structural':
            y = structural(rng, length, season)
        elif kind == 'kernel':
            y = kernel_synth(rng, length, season)
        elif kind == 'smooth':
            y = smooth_curve(rng, length, season)
        else:
            y = intermittent(rng, length, season)
        series.append(y)
        seasons.append(season)
        kinds.append(kind)
    return series, np.asarray(seasons, dtype=np.int64), kinds


def seasonal_pattern(rng, length, season, phase=None):
    """A smooth random season of period ``season`` (unit amplitude)."""
    t = np.arange(length)
    harmonics = rng.integers(1, max(2, min(4, season // 2)) + 1)
    out = np.zeros(length)
    for k in range(1, harmonics + 1):
        a, b = rng.normal(size=2) / k
        out += a * np.sin(2 * np.pi * k * t / season) \
            + b * np.cos(2 * np.pi * k * t / season)
    scale = np.abs(out).max()
    return out / scale if scale > 0 else out


def arma_noise(rng, length):
    """ARMA(1, 1) noise of unit scale."""
    phi = rng.uniform(-0.5, 0.9)
    theta = rng.uniform(-0.5, 0.5)
    e = rng.normal(size=length + 1)
    out = np.zeros(length)
    previous = 0.0
    for t in range(length):
        previous = phi * previous + e[t + 1] + theta * e[t]
        out[t] = previous
    return out / max(out.std(), 1e-9)


def structural(rng, length, season):
    """Level + (damped) trend + shifts + season(s) + ARMA noise, mostly
    on a log scale (multiplicative) so values stay positive."""
    t = np.arange(length)
    slope = rng.normal(0, 0.01) * rng.choice([0, 1, 1, 2])
    damping = rng.choice([1.0, rng.uniform(0.8, 0.98)])
    trend = slope * np.cumsum(damping ** t)
    walk = np.cumsum(rng.normal(0, rng.choice([0, 0.005, 0.02]), length))
    shifts = np.zeros(length)
    for _ in range(rng.poisson(0.5)):
        shifts[rng.integers(length):] += rng.normal(0, 0.15)
    y = trend + walk + shifts
    if season > 1:
        y += rng.uniform(0.02, 0.4) * seasonal_pattern(rng, length, season)
        if season >= 12 and rng.random() < 0.3:  # a second, shorter season
            y += rng.uniform(0.02, 0.2) * seasonal_pattern(
                rng, length, int(rng.choice([4, 7])))
    noise = rng.uniform(0.005, 0.1) * arma_noise(rng, length)
    if rng.random() < 0.8:  # multiplicative: exp of an additive log model
        level = np.exp(rng.uniform(0, 9))
        return level * np.exp(y + noise)
    level = rng.uniform(-1, 1) * 100
    return level + 100 * (y + noise)


def smooth_curve(rng, length, season):
    """A smooth trend with little noise, positive: linear, damped,
    saturating (logistic) or accelerating on a log scale, with a small
    season where there is one. Real yearly series and slow demographic or
    economic series look like this; the structural generator's noise
    mostly hides such trends.

    Args:
        rng (numpy.random.Generator): The draws.
        length (int): Rows.
        season (int): Season length (1: none).

    Returns:
        numpy.ndarray: ``(length,)`` positive values.
    """
    t = np.arange(length) / max(length - 1, 1)
    total = rng.normal(0, 1.0)  # log change over the whole series
    shape = rng.choice(['linear', 'damped', 'logistic', 'power'])
    if shape == 'linear':
        y = total * t
    elif shape == 'damped':
        rate = rng.uniform(1, 6)
        y = total * (1 - np.exp(-rate * t)) / (1 - np.exp(-rate))
    elif shape == 'logistic':
        mid, width = rng.uniform(0.1, 1.2), rng.uniform(0.05, 0.4)
        y = total / (1 + np.exp(-(t - mid) / width))
    else:
        y = total * t ** rng.uniform(1.2, 3)
    if season > 1:
        y = y + rng.uniform(0, 0.1) * seasonal_pattern(rng, length, season)
    noise = np.exp(rng.uniform(np.log(1e-4), np.log(0.02)))
    y = y + noise * arma_noise(rng, length)
    return np.exp(rng.uniform(0, 9)) * np.exp(y)


def mixup(series, seasons, count, seed=0, max_parts=3, min_length=24):
    """Convex combinations of series of one season (TSMixup, Ansari et
    al. 2024): each part is cut to a common length (between half the
    shortest part's and all of it) at a random start, divided by its
    mean absolute value, and the parts are weighted by a Dirichlet draw.

    Args:
        series (list): 1-D float arrays, the pool.
        seasons (array-like): Each series' season.
        count (int): Series to draw.
        seed (int): Seed.
        max_parts (int): Largest number of series mixed (at least two).
        min_length (int): Shortest series drawn from and made.

    Returns:
        tuple: ``(series, seasons)``: ``count`` arrays and their seasons;
        none where no season has two series of ``min_length`` rows.
    """
    seasons = np.asarray(seasons)
    rng = np.random.default_rng(seed)
    long = np.array([len(s) >= min_length and np.all(np.isfinite(s))
                     and np.mean(np.abs(s)) > 0 for s in series])
    pools = {int(p): np.flatnonzero(long & (seasons == p))
             for p in np.unique(seasons)}
    pools = {p: idx for p, idx in pools.items() if len(idx) >= 2}
    out, periods = [], []
    if not pools:
        return out, np.zeros(0, dtype=np.int64)
    keys = sorted(pools)
    sizes = np.array([len(pools[p]) for p in keys], dtype=float)
    for _ in range(int(count)):
        season = keys[rng.choice(len(keys), p=sizes / sizes.sum())]
        size = int(rng.integers(2, max(2, max_parts) + 1))
        parts = rng.choice(pools[season], size=min(size, len(pools[season])),
                           replace=False)
        shortest = min(len(series[i]) for i in parts)
        length = int(rng.integers(max(min_length, shortest // 2),
                                  shortest + 1))
        weights = rng.dirichlet(np.full(len(parts), 1.5))
        y = np.zeros(length)
        for w, i in zip(weights, parts):
            start = int(rng.integers(len(series[i]) - length + 1))
            piece = np.asarray(series[i][start:start + length], np.float64)
            scale = np.mean(np.abs(piece))
            if scale > 0:
                y += w * piece / scale
        out.append(y)
        periods.append(season)
    return out, np.asarray(periods, dtype=np.int64)


def _kernel(rng, t, season):
    """One random covariance matrix over ``t`` (KernelSynth's bank)."""
    span = t[-1] - t[0] + 1
    kind = rng.choice(['rbf', 'periodic', 'linear', 'rq', 'white'])
    d = t[:, None] - t[None, :]
    if kind == 'rbf':
        scale = span * rng.uniform(0.02, 0.5)
        return np.exp(-0.5 * (d / scale) ** 2)
    if kind == 'periodic':
        period = season if season > 1 and rng.random() < 0.7 \
            else rng.choice([4, 7, 12, 24, 30, 52])
        return np.exp(-2 * np.sin(np.pi * np.abs(d) / period) ** 2
                      / rng.uniform(0.5, 2.0) ** 2)
    if kind == 'linear':
        c = rng.uniform(-1, 1)
        return (t[:, None] / span - c) * (t[None, :] / span - c)
    if kind == 'rq':
        scale, alpha = span * rng.uniform(0.05, 0.5), rng.uniform(0.5, 2)
        return (1 + d ** 2 / (2 * alpha * scale ** 2)) ** -alpha
    return np.eye(len(t)) * 0.1


def kernel_synth(rng, length, season, max_kernels=4):
    """A draw from a Gaussian process whose kernel is a random sum or
    product of up to ``max_kernels`` kernels, shifted positive."""
    length = min(length, 512)
    t = np.arange(length, dtype=np.float64)
    k = _kernel(rng, t, season)
    for _ in range(rng.integers(0, max_kernels)):
        other = _kernel(rng, t, season)
        k = k + other if rng.random() < 0.5 else k * other
    k = k + 1e-6 * np.eye(length)
    try:
        chol = np.linalg.cholesky(k)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(k)
        chol = v * np.sqrt(np.maximum(w, 0))[None]
    y = chol @ rng.normal(size=length)
    y = (y - y.mean()) / max(y.std(), 1e-9)
    if rng.random() < 0.7:  # a positive series around a level
        return np.exp(rng.uniform(1, 8)) * np.exp(rng.uniform(0.05, 0.5) * y)
    return 10 * y + rng.uniform(-1, 1) * 50


def intermittent(rng, length, season):
    """Counts: Poisson draws of a rate that is zero on most steps."""
    rate = rng.uniform(0.1, 5)
    if season > 1:
        rate = rate * np.exp(0.5 * seasonal_pattern(rng, length, season))
    active = rng.random(length) < rng.uniform(0.1, 0.9)
    return (rng.poisson(rate * np.ones(length)) * active).astype(np.float64)
