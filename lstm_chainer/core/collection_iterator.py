"""Training windows drawn across many series (a global model's iterator)."""
from __future__ import annotations

import numpy as np

from lstm_chainer._checks import check_int
from lstm_chainer.core.iterator import EpochIterator

SAMPLING = ('series', 'windows')


def window_origins(lengths, context, horizon):
    """Where each series' training windows may end their warm-up.

    A window of a series of ``n`` rows warms up on the rows up to its
    origin ``o`` and is scored on ``o + 1 .. o + horizon``, so ``o`` runs
    over ``min(context, n - horizon) - 1 .. n - 1 - horizon``: full
    context where the series has it, else the one window it can give
    (its history padded). Series of ``horizon`` rows or fewer give none.

    Returns:
        tuple: ``(first, count)`` arrays: the first origin and how many.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    last = lengths - 1 - horizon
    first = np.minimum(context, lengths - horizon) - 1
    count = np.where(last >= 0, last - first + 1, 0)
    return np.maximum(first, 0), count


def gather_windows(values, offsets, series, origins, context, steps,
                   anchor=True):
    """Rows ``o - context + 1 .. o + steps`` of each (series, origin),
    time-major, the history before a series' first row repeating it.

    Args:
        values: ``(rows, n)`` flat values.
        offsets: ``(n_series + 1,)`` row offsets.
        series, origins: ``(B,)`` series positions and origins in them.
        context (int): Rows up to and including the origin.
        steps (int): Rows after the origin (0 for a forecast's warm-up).
        anchor (bool): Subtract each window's value at its origin (the
            level normalisation; the network then reads changes since the
            origin).

    Returns:
        tuple: ``(windows, level)``: ``(context + steps, B, n)`` and the
        subtracted ``(B, n)`` values (zeros without ``anchor``).
    """
    series = np.asarray(series, dtype=np.int64)
    origins = np.asarray(origins, dtype=np.int64)
    relative = origins[None, :] + np.arange(1 - context, steps + 1)[:, None]
    rows = offsets[series][None, :] + np.maximum(relative, 0)
    windows = values[rows]
    level = windows[context - 1] if anchor else np.zeros(
        windows.shape[1:], values.dtype)
    if anchor:
        windows = windows - level[None]
    return windows, level


def context_scale(windows, origins, context, floor):
    """Each window's mean absolute change over its context (the rows of
    its own series: not the first row repeated before it), at least
    ``floor``.

    Args:
        windows: ``(>= context, B, n)`` windows (:func:`gather_windows`).
        origins: ``(B,)`` their origins.
        context (int): Rows up to and including the origin.
        floor (float): The least scale (a flat history's).

    Returns:
        numpy.ndarray: ``(B, n)`` scales.
    """
    changes = np.abs(np.diff(windows[:context], axis=0))
    # Change j is from row o - context + 1 + j to the next: its own when
    # that row is at or after the series' first.
    own = (np.asarray(origins)[None, :]
           + np.arange(1 - context, 0)[:, None]) >= 0
    count = np.maximum(own.sum(axis=0), 1)[:, None]
    mean = (changes * own[..., None]).sum(axis=0) / count
    return np.maximum(mean, floor).astype(windows.dtype)


class CollectionIterator(EpochIterator):
    """Random training windows across the series of a collection.

    Each ``next()`` returns ``(xs, ts)``, both ``(context + horizon - 1,
    batch, n)``: inputs are rows ``o - context + 1 .. o + horizon - 1`` of
    one series, targets the rows after them, each window minus its value
    at the origin ``o`` when ``anchor``. :class:`LSTM_updater` feeds the
    first ``context`` inputs (``support_len = context - 1``) and the
    network's own predictions after.

    Args:
        values: ``(rows, n)`` float values (already transformed).
        offsets: ``(n_series + 1,)`` row offsets of the series.
        batch_size (int): Windows per batch.
        context (int): Warm-up rows of a window.
        horizon (int): Steps scored after the warm-up.
        sampling (str): ``series``: a series uniformly, then one of its
            windows; ``windows``: every window equally likely (long
            series weigh more).
        anchor (bool): Level-normalise every window at its origin.
        seed (int): Seed of the draws.
        shard (tuple): ``(rank, size)``: draw only from the ``rank``-th of
            ``size`` contiguous blocks of whole series (data-parallel
            training).
        score_horizon (bool): The loss covers the ``horizon`` forecast
            steps only (``False``: the warm-up steps too).
        scale_floor (float): Divide each anchored window by its
            :func:`context_scale` of at least this (``None``: not
            scaled).
        inputs: ``(rows, k)`` inputs known ahead (static, calendar,
            covariates): the step that reads row ``t`` reads the inputs of
            row ``t + 1``, the row it predicts; neither anchored nor
            predicted (``None``: none).

    Attributes:
        n_series (int): Series that give windows (of this shard).
        n_windows (int): Distinct windows. One epoch draws ``n_series``
            windows (one batch where there are fewer series).
    """

    def __init__(self, values, offsets, batch_size=256, context=12,
                 horizon=6, sampling='windows', anchor=True, seed=None,
                 shard=None, score_horizon=True, inputs=None,
                 scale_floor=None):
        if sampling not in SAMPLING:
            raise ValueError('sampling must be one of {}, got {!r}'.format(
                ', '.join(SAMPLING), sampling))
        self.values = np.asarray(values)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.batch_size = check_int('batch_size', batch_size, 1)
        self.context = check_int('context', context, 1)
        self.horizon = check_int('horizon', horizon, 1)
        self.seq_len = self.context + self.horizon - 1
        self.support_len = self.context - 1
        # LSTM_updater scores the forecast steps only (the warm-up's
        # one-step errors are not what the model is for); 0 scores all.
        self.loss_from = self.support_len if score_horizon else 0
        self.sampling = sampling
        self.anchor = bool(anchor)
        self.scale_floor = scale_floor
        first, count = window_origins(np.diff(self.offsets), self.context,
                                      self.horizon)
        usable = np.flatnonzero(count > 0)
        if shard is not None:
            rank, size = shard
            usable = np.array_split(usable, size)[rank]
        if not len(usable):
            raise ValueError(
                'no series is longer than the horizon ({} rows): nothing to '
                'train on'.format(self.horizon))
        self._series = usable
        self._first = first[usable]
        self._count = count[usable]
        self._cumulative = np.cumsum(self._count)
        self.n_series = len(usable)
        # A shard's epoch stays its own series (as every rank counts).
        self._epoch_windows = self.n_series if shard is not None \
            else max(self.n_series, self.batch_size)
        self.n_windows = int(self._cumulative[-1])
        self.inputs = None if inputs is None or not np.shape(inputs)[1] \
            else np.asarray(inputs)
        if self.inputs is not None and len(self.inputs) != len(self.values):
            raise ValueError('{} rows of inputs for {} rows of values'.format(
                len(self.inputs), len(self.values)))
        self.n_targets = self.values.shape[1]
        self.n_features = self.n_targets + (
            0 if self.inputs is None else self.inputs.shape[1])
        self._random = np.random.RandomState(seed)
        self.reset()

    @property
    def epoch_detail(self):
        """float: Epochs done, fractional (an epoch draws as many windows
        as there are series, one batch at least: a batch is never counted
        as several epochs)."""
        return self.iteration * self.batch_size / self._epoch_windows

    def draw(self, size):
        """``(series, origins)`` of ``size`` random windows."""
        if self.sampling == 'series':
            k = self._random.randint(0, self.n_series, size=size)
            step = (self._random.random_sample(size) * self._count[k]) \
                .astype(np.int64)
        else:
            w = self._random.randint(0, self.n_windows, size=size)
            k = np.searchsorted(self._cumulative, w, side='right')
            step = w - (self._cumulative[k] - self._count[k])
        return self._series[k], self._first[k] + step

    def __next__(self):
        self._previous_epoch_detail = self.epoch_detail
        series, origins = self.draw(self.batch_size)
        self.iteration += 1
        epoch = int(self.epoch_detail)
        self.is_new_epoch = epoch > self.epoch
        self.epoch = epoch
        windows, _ = gather_windows(self.values, self.offsets, series,
                                    origins, self.context, self.horizon,
                                    self.anchor)
        if self.scale_floor is not None:
            windows = windows / context_scale(windows, origins, self.context,
                                              self.scale_floor)[None]
        windows = windows.astype(np.float32)
        if self.inputs is None:
            return windows[:-1], windows[1:]
        # Each step reads the inputs of the row it predicts (known ahead):
        # rows o - context + 2 .. o + horizon.
        known, _ = gather_windows(self.inputs, self.offsets, series,
                                  origins + 1, self.context,
                                  self.horizon - 1, False)
        xs = np.concatenate([windows[:-1], known.astype(np.float32)], axis=2)
        return xs, windows[1:]

    next = __next__
