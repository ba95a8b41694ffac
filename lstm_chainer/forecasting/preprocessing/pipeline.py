"""The preprocessing between data units and the network, as one object.

Each step speaks one vocabulary, as darts' transformers do: fitted on the
training part alone, ``transform`` along time, ``inverse`` back (a step
that looks back, like a difference, is given the values before), ``lag``
rows of history needed, ``to_dict`` to be saved. :class:`Pipeline` composes
them in the order the network needs — the targets' reversible transforms
(:class:`~lstm_chainer.Transformer`), the calendar features read beside the
covariates, and the standardisation of everything the network reads
(:class:`~lstm_chainer.Scaler`) — and the :class:`~lstm_chainer.Forecaster`
holds and saves it. New steps (Box-Cox, deseasonalisation, per-series
scaling) plug in here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lstm_chainer.forecasting.preprocessing import calendar_features
from lstm_chainer.forecasting.preprocessing.scaling import Scaler
from lstm_chainer.forecasting.preprocessing.transforms import Transformer


class Pipeline:
    """Targets' transforms, calendar features, standardisation.

    Args:
        transformer (Transformer): Per-target transforms.
        scaler (Scaler): Statistics of the transformed targets, the
            covariates and the calendar features, in that order.
        n_targets (int): Leading columns that are forecast.
        calendar (list): Calendar features appended after the covariates.
    """

    def __init__(self, transformer, scaler, n_targets, calendar=()):
        self.transformer = transformer
        self.scaler = scaler
        self.n_targets = n_targets
        self.calendar = list(calendar or [])

    @classmethod
    def fit(cls, train, transformer, n_targets, calendar=()):
        """Fits the standardisation on the transformed training part.

        Args:
            train (pandas.DataFrame): Training rows: targets, then
                covariates.
            transformer (Transformer): Transforms of the targets (checked
                against the training part).
            n_targets (int): Leading columns of ``train`` that are targets.
            calendar (list): Calendar features of the time index.

        Returns:
            Pipeline: The fitted pipeline.
        """
        targets = train.iloc[:, :n_targets]
        transformer.check(targets.to_numpy(np.float64))
        z = cls(transformer, None, n_targets, calendar)._transformed(train)
        scaler = Scaler.fit(z.iloc[transformer.lag:])
        bad = ~(np.isfinite(scaler.mean) & np.isfinite(scaler.scale))
        if bad.any():
            raise ValueError(
                'column(s) {} hold values too large to standardise (their '
                'variance overflows); rescale them'.format(', '.join(
                    repr(c) for c, b in zip(z.columns, bad) if b)))
        return cls(transformer, scaler, n_targets, calendar)

    @property
    def lag(self):
        """int: Rows of history the transforms need before a forecast."""
        return self.transformer.lag

    def with_calendar(self, data):
        """``data`` with the calendar features appended (a DataFrame with
        a DatetimeIndex; unchanged without calendar features)."""
        if not self.calendar:
            return data
        extra = calendar_features.features(getattr(data, 'index', None),
                                           self.calendar)
        return pd.concat([data, extra], axis=1)

    def _transformed(self, frame):
        """Transformed targets beside the covariates and calendar
        features."""
        n = self.n_targets
        targets = frame.iloc[:, :n]
        extra = frame.iloc[:, n:].astype(np.float64)
        if self.calendar:
            extra = pd.concat([extra, calendar_features.features(
                frame.index, self.calendar)], axis=1)
        z = pd.DataFrame(self.transformer.forward(targets.to_numpy(
            np.float64)), index=targets.index, columns=targets.columns)
        return pd.concat([z, extra], axis=1)

    def transform_frame(self, frame):
        """Training or test rows as the network reads them: transformed,
        with covariates and calendar features, standardised (the first
        :attr:`lag` rows are NaN).

        Returns:
            pandas.DataFrame: The standardised inputs.
        """
        return self.scaler.transform(self._transformed(frame))

    def transform(self, a):
        """Data units ``(T, ..., targets + extra)`` -> standardised inputs.

        Args:
            a (numpy.ndarray): float64, targets first, then covariates and
                calendar features.

        Returns:
            numpy.ndarray: float64, the first :attr:`lag` rows NaN.
        """
        n = self.n_targets
        t = self.transformer.forward(a[..., :n])
        if a.shape[-1] > n:
            t = np.concatenate([t, a[..., n:]], axis=-1)
        return self.scaler.transform(t)

    def inverse_scaling(self, y):
        """Standardised outputs -> transformed units (float64)."""
        return self.scaler.inverse_transform(np.asarray(y, dtype=np.float64))

    def inverse(self, z, past):
        """Transformed forecasts -> levels, from the values before them.

        Args:
            z: ``(H, ..., targets)`` transformed forecasts.
            past: ``(>= lag, ..., targets)`` data-unit values before them.

        Returns:
            numpy.ndarray: ``(H, ..., targets)`` in data units.
        """
        return self.transformer.inverse(z, past)

    def to_dict(self):
        """dict: The saved record's ``scaler``, ``transforms`` and
        ``calendar`` entries."""
        return {'scaler': self.scaler.to_dict(),
                'transforms': self.transformer.to_dict(),
                'calendar': self.calendar or None}

    @classmethod
    def from_dict(cls, state, n_targets):
        """Rebuilds a pipeline from :meth:`to_dict` output."""
        scaler = Scaler.from_dict(state['scaler'])
        transformer = Transformer(['none'] * n_targets) \
            if state.get('transforms') is None \
            else Transformer.from_dict(state['transforms'])
        return cls(transformer, scaler, n_targets, state.get('calendar'))
