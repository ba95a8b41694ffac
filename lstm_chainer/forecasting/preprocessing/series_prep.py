"""Per-series preprocessing of a collection for a global model.

Every series is prepared from its own history only, so a series the model
never saw is prepared the same way: logged where all its values are
positive (else divided by its mean absolute value), deseasonalised by
classical decomposition of its last six seasons where its season passes
Theta's test (the ACF at one season, 90 %; multiplicative, i.e. subtracted
after the log), and —
with ``normalise='series'`` — standardised by its own mean and standard
deviation. With ``normalise='window'`` (ES-RNN's division by the level,
as a subtraction after the log) the model's windows are anchored at their
origin instead (:func:`~lstm_chainer.core.collection_iterator.gather_windows`),
and with ``normalise='scaled'`` also divided by their context's mean
absolute change (:func:`~lstm_chainer.core.collection_iterator.context_scale`).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from lstm_chainer.forecasting.classical.theta import has_season, seasonal_indices

NORMALISE = ('window', 'series', 'scaled')
# Seasonal indices come from a series' last this many seasons: seasons
# evolve (tourism's most), and the ones before describe the future less.
# On series left out of the pretrained network's corpus (zero-shot, MASE):
# Tourism quarterly 1.656 -> 1.571, monthly 1.552 -> 1.442; M3 and M1
# within 0.005 (benchmarks/experiments/pretrained.md).
RECENT_SEASONS = 6


def recent_indices(y, season, multiplicative, seasons=RECENT_SEASONS):
    """Classical decomposition's seasonal indices of ``y``'s last
    ``seasons`` seasons (all of it where shorter), by position
    ``row % season`` of ``y`` itself."""
    start = max(0, len(y) - seasons * season)
    return np.roll(seasonal_indices(y[start:], season, multiplicative),
                   start % season)


@dataclasses.dataclass
class SeriesPrep:
    """What was fitted on each series of a collection.

    Attributes:
        logged (numpy.ndarray): ``(S, n)``: the column was logged.
        scale (numpy.ndarray): ``(S, n)``: divisor of unlogged columns.
        season (numpy.ndarray): ``(S,)`` each series' season (1: none).
        indices (numpy.ndarray): ``(S, m, n)`` seasonal indices in the
            prepared units (``m`` the longest season; zeros where a series
            has no season), position ``row % season`` of the series' own
            rows.
        mean, std (numpy.ndarray): ``(S, n)`` standardisation
            (``normalise='series'``; 0 and 1 otherwise).
    """

    logged: np.ndarray
    scale: np.ndarray
    season: int
    indices: np.ndarray
    mean: np.ndarray
    std: np.ndarray

    @property
    def seasonal(self):
        """numpy.ndarray: ``(S,)`` whether a series was deseasonalised."""
        return np.abs(self.indices).max(axis=(1, 2)) > 0

    def transform(self, values, offsets):
        """Prepared values of every row (``(rows, n)``)."""
        lengths = np.diff(offsets)
        owner = np.repeat(np.arange(len(lengths)), lengths)
        position = np.arange(len(values)) - np.repeat(offsets[:-1], lengths)
        return self._forward(values, owner, position)

    def _forward(self, values, owner, position):
        logged = self.logged[owner]
        with np.errstate(divide='ignore', invalid='ignore'):
            z = np.where(logged, np.log(np.where(logged, values, 1.0)),
                         values / self.scale[owner])
        z = z - self.indices[owner, position % self.season[owner]]
        return (z - self.mean[owner]) / self.std[owner]

    def inverse(self, z, series, positions):
        """Data units of prepared values.

        Args:
            z: ``(H, B, n)`` prepared values.
            series: ``(B,)`` the series of each column of the batch.
            positions: ``(H, B)`` the rows (of their series) forecast.
        """
        series = np.asarray(series, dtype=np.int64)
        z = z * self.std[series][None] + self.mean[series][None]
        z = z + self.indices[series[None, :],
                             positions % self.season[series][None, :]]
        logged = self.logged[series][None]
        with np.errstate(over='ignore'):
            return np.where(logged, np.exp(np.minimum(z, 700.0)),
                            z * self.scale[series][None])


def fit_prep(values, offsets, season=None, normalise='window',
             deseasonalise=True, log=True):
    """Fits :class:`SeriesPrep` on every series' rows.

    Args:
        values: ``(rows, n)`` data units.
        offsets: ``(count + 1,)`` row offsets.
        season: The season (``None`` or 1: none), or ``(count,)`` one
            per series (a collection of many time steps).
        normalise (str): ``window`` (anchored windows; nothing fitted
            here), ``scaled`` (anchored and scaled windows; nothing
            fitted here) or ``series`` (each series' mean and standard deviation
            after the log and deseasonalisation).
        deseasonalise (bool): Remove the season where the test finds one.
        log (bool): Log positive series.

    Returns:
        SeriesPrep: The fitted preparation.
    """
    if normalise not in NORMALISE:
        raise ValueError('normalise must be one of {}, got {!r}'.format(
            ', '.join(NORMALISE), normalise))
    values = np.asarray(values, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    count, n = len(lengths), values.shape[1]
    owner = np.repeat(np.arange(count), lengths)
    minimum = np.full((count, n), np.inf)
    np.minimum.at(minimum, owner, values)
    logged = (minimum > 0) & bool(log)
    absolute = np.zeros((count, n))
    np.add.at(absolute, owner, np.abs(values))
    scale = absolute / np.maximum(lengths, 1)[:, None]
    scale[~(scale > 0)] = 1.0
    seasons = np.broadcast_to(np.maximum(np.asarray(
        1 if season is None else season, dtype=np.int64), 1), (count,)).copy()
    indices = np.zeros((count, int(seasons.max(initial=1)), n))
    prep = SeriesPrep(logged, scale, seasons, indices, np.zeros((count, n)),
                      np.ones((count, n)))
    position = np.arange(len(values)) - np.repeat(offsets[:-1], lengths)
    if deseasonalise and (seasons > 1).any():
        plain = prep._forward(values, owner, position)
        for i in np.flatnonzero((seasons > 1) & (lengths >= 2 * seasons)):
            m = seasons[i]
            rows = values[offsets[i]:offsets[i + 1]]
            for k in range(n):
                if not has_season(rows[:, k], m):
                    continue
                if logged[i, k]:
                    factors = recent_indices(rows[:, k], m, True)
                    indices[i, :m, k] = np.log(factors)
                else:
                    indices[i, :m, k] = recent_indices(
                        plain[offsets[i]:offsets[i + 1], k], m, False)
    if normalise == 'series':
        z = prep._forward(values, owner, position)
        total = np.zeros((count, n))
        np.add.at(total, owner, z)
        mean = total / np.maximum(lengths, 1)[:, None]
        squares = np.zeros((count, n))
        np.add.at(squares, owner, (z - mean[owner]) ** 2)
        std = np.sqrt(squares / np.maximum(lengths, 1)[:, None])
        std[~(std > 1e-12)] = 1.0
        prep.mean, prep.std = mean, std
    return prep
