"""The inputs a global model reads beside its targets: static attributes
(one-hot), calendar features and covariates known ahead.

:class:`InputEncoder` is fitted on the training collection (the static
columns' categories, the covariates' mean and spread) and saved with the
model, so every later collection — a backtest's histories, the series of
``pred --data`` — is encoded the same way. A category the model never saw
encodes as all zeros.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from lstm_chainer.data.collection import _when
from lstm_chainer.forecasting.preprocessing import calendar_features

# One input per category: beyond this an embedding would be the tool.
MAX_CATEGORIES = 1000


@dataclasses.dataclass
class InputEncoder:
    """How a collection's inputs become the network's extra columns.

    Attributes:
        static (dict): Static column -> its categories (one input each).
        calendar (list): Calendar feature names (two inputs each).
        covariates (list): Covariate columns (one input each).
        mean, std (list): The covariates' standardisation.
    """

    static: dict = dataclasses.field(default_factory=dict)
    calendar: list = dataclasses.field(default_factory=list)
    covariates: list = dataclasses.field(default_factory=list)
    mean: list = dataclasses.field(default_factory=list)
    std: list = dataclasses.field(default_factory=list)

    @property
    def width(self):
        """int: Extra input columns."""
        return sum(len(v) for v in self.static.values()) \
            + 2 * len(self.calendar) + len(self.covariates)

    def to_dict(self):
        """dict: JSON-ready."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, state):
        """The encoder of :meth:`to_dict` (``None``: no inputs)."""
        return cls(**(state or {}))

    def unseen(self, collection):
        """dict: Static column -> categories of ``collection`` the model
        never saw (encoded as zeros)."""
        self.check(collection)
        out = {}
        for name, known in self.static.items():
            new = sorted(set(collection.static[name]) - set(known))
            if new:
                out[name] = new
        return out

    def check(self, collection):
        """Refuses a collection without the columns the model reads."""
        have = [] if collection.static is None else list(collection.static)
        for name in self.static:
            if name not in have:
                raise ValueError('the model reads static column {!r}; the '
                                 'series have {}'.format(name, ', '.join(
                                     map(repr, have)) or 'none'))
        for name in self.covariates:
            if name not in collection.covariate_columns:
                raise ValueError('the model reads covariate {!r}; the series '
                                 'have {}'.format(name, ', '.join(map(
                                     repr, collection.covariate_columns))
                                     or 'none'))
        if self.calendar and collection.starts is None:
            raise ValueError('the model reads calendar features ({}): the '
                             'series need a time column'.format(
                                 ', '.join(self.calendar)))

    def rows(self, collection):
        """The inputs of every row of ``collection`` (``(rows, width)``)."""
        self.check(collection)
        parts = [self._static(collection)[np.repeat(
            np.arange(len(collection)), collection.lengths)]]
        if self.calendar:
            parts.append(self._calendar(collection.row_times()))
        if self.covariates:
            columns = [collection.covariate_columns.index(c)
                       for c in self.covariates]
            parts.append(self._scaled(collection.covariates[:, columns]))
        return np.concatenate(parts, axis=1)

    def future(self, collection, horizon, future=None):
        """The inputs of the ``horizon`` rows after every series' end.

        Args:
            collection (Collection): The histories.
            horizon (int): Steps.
            future (Collection): The covariates' future values (its
                targets, named as the covariates), needed with covariates.

        Returns:
            numpy.ndarray: ``(horizon, S, width)``.
        """
        self.check(collection)
        count = len(collection)
        parts = [np.repeat(self._static(collection)[None], horizon, axis=0)]
        if self.calendar:
            times = collection.times(collection.lengths, horizon)
            parts.append(self._calendar(times).reshape(
                count, horizon, -1).transpose(1, 0, 2))
        if self.covariates:
            parts.append(self._scaled(future_covariates(
                collection, future, self.covariates, horizon)))
        return np.concatenate(parts, axis=-1)

    def _static(self, collection):
        out = np.zeros((len(collection), sum(
            len(v) for v in self.static.values())))
        at = 0
        for name, known in self.static.items():
            codes = pd.Index(known).get_indexer(collection.static[name])
            hit = codes >= 0
            out[np.flatnonzero(hit), at + codes[hit]] = 1.0
            at += len(known)
        return out

    def _calendar(self, times):
        # The step was checked when fitting (a zero step skips the check).
        return calendar_features.features(
            times, self.calendar, step=pd.Timedelta(0)).to_numpy(np.float64)

    def _scaled(self, values):
        return (values - np.asarray(self.mean)) / np.asarray(self.std)


def fit_inputs(collection, static=(), calendar=(), covariates=()):
    """Fits the :class:`InputEncoder` of a training collection.

    Args:
        collection (Collection): The training series.
        static (sequence): Static columns to one-hot encode.
        calendar (sequence): Calendar features (needs times).
        covariates (sequence): Covariate columns.

    Returns:
        InputEncoder: The encoder.
    """
    static, calendar, covariates = list(static), list(calendar), \
        list(covariates)
    have = [] if collection.static is None else list(collection.static)
    missing = [c for c in static if c not in have]
    if missing:
        raise ValueError('no static column {} (the collection has {})'.format(
            ', '.join(map(repr, missing)), ', '.join(map(repr, have))
            or 'none'))
    missing = [c for c in covariates if c not in collection.covariate_columns]
    if missing:
        raise ValueError('no covariate {} (the collection has {})'.format(
            ', '.join(map(repr, missing)), ', '.join(map(
                repr, collection.covariate_columns)) or 'none'))
    if calendar:
        calendar = calendar_features.parse(','.join(calendar))
        if collection.starts is None:
            raise ValueError('calendar features need a time column')
        _check_calendar_step(collection.freq, calendar)
    for name in static:
        count = collection.static[name].nunique()
        if count > MAX_CATEGORIES:
            raise ValueError(
                'static column {!r} has {} categories; one-hot inputs take '
                'at most {} (give a coarser column)'.format(
                    name, count, MAX_CATEGORIES))
    mean, std = [], []
    if covariates:
        columns = [collection.covariate_columns.index(c) for c in covariates]
        chosen = collection.covariates[:, columns]
        mean = chosen.mean(axis=0).tolist()
        spread = chosen.std(axis=0)
        std = np.where(spread > 1e-12, spread, 1.0).tolist()
    return InputEncoder({name: sorted(set(collection.static[name]))
                         for name in static}, calendar, covariates, mean, std)


def _check_calendar_step(freq, names):
    """Refuses a feature that a step this long cannot resolve."""
    start = pd.Timestamp('2001-01-01')
    step = pd.date_range(start, periods=2, freq=freq)[1] - start
    for name in names:
        longest = calendar_features.FEATURES[name][2]
        if step > longest:
            raise ValueError(
                'the {} feature needs a time step of at most {}; the data '
                'steps by {}'.format(name, _duration(longest), freq))


def _duration(delta):
    """``1 hour``, ``93 days``."""
    if delta >= pd.Timedelta(days=1):
        return '{:g} days'.format(delta / pd.Timedelta(days=1))
    return '{:g} hour(s)'.format(delta / pd.Timedelta(hours=1))


def future_covariates(collection, future, names, horizon):
    """The covariates of the ``horizon`` rows after every series' end,
    taken from ``future`` and checked: every id present, its rows starting
    right after the history and covering the horizon.

    Returns:
        numpy.ndarray: ``(horizon, S, len(names))``.
    """
    if future is None:
        raise ValueError('the model reads covariates ({}): give their future '
                         'values (the next {} rows of every series)'.format(
                             ', '.join(names), horizon))
    have = list(future.columns) + list(future.covariate_columns)
    missing = [c for c in names if c not in have]
    if missing:
        raise ValueError('the future rows have no column {}'.format(
            ', '.join(map(repr, missing))))
    table = future.values if future.covariates is None else np.concatenate(
        [future.values, future.covariates], axis=1)
    columns = [have.index(c) for c in names]
    position = pd.Index(future.ids).get_indexer(collection.ids)
    if (position < 0).any():
        raise ValueError('the future rows have no series {!r} (the forecast '
                         'needs its next {} rows)'.format(
                             collection.ids[np.argmax(position < 0)],
                             horizon))
    if collection.starts is not None and future.starts is not None:
        # Every series' first time after its history, all at once.
        want = collection.times(collection.lengths, 1)
        got = future.starts[position]
        late = np.flatnonzero(want != got)
        if len(late):
            i = int(late[0])
            raise ValueError(
                'series {!r}: the future rows start at {}; the forecast '
                'needs them from {}'.format(collection.ids[i],
                                            _when(got[i]), _when(want[i])))
    short = np.flatnonzero(future.lengths[position] < horizon)
    if len(short):
        i = int(short[0])
        need = _when(collection.future_index(i, horizon)[-1]) \
            if collection.starts is not None else 'step {}'.format(
                collection.lengths[i] + horizon)
        raise ValueError(
            'series {!r}: the future rows stop after {} row(s); the '
            'forecast needs {} (up to {})'.format(
                collection.ids[i], future.lengths[position[i]], horizon,
                need))
    rows = future.offsets[position][None, :] + np.arange(horizon)[:, None]
    out = table[rows][:, :, columns]
    return out
