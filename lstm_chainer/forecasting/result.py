"""What a fit returns, for one series and many alike: :class:`FitResult`."""
from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass
class FitResult:
    """What :func:`~lstm_chainer.fit_auto` (one table or a long table of
    many series) and :func:`~lstm_chainer.fit_global` made.

    Attributes:
        forecaster: The model to forecast with: the one refitted on all
            rows with ``refit=True``, else :attr:`validated`. It carries its
            settings, context and intervals (a ``Forecaster`` for one
            table, a ``GlobalForecaster`` for many series).
        validated: The model trained without the held-out rows, whose
            forecasts :attr:`backtest` scored.
        backtest: Its backtest beside the baselines (a ``Backtest`` of
            rolling origins for one table, a ``CollectionBacktest`` of every
            series' last horizon for many; ``None`` on MPI ranks other
            than 0).
        settings: Every setting of the run (``AutoSettings`` or
            ``GlobalSettings``).
        intervals (dict): Level -> conformal half-widths (levels too few
            origins reach are left out).
        resolution: How the settings were chosen (``Resolution``).
        notes (list): What the run could not do as asked, and why.
        trainers (list): Each member's Trainer (of the refit too, after).
        ignored (list): Options that had no effect (a resumed run keeps
            the epochs and seed of its snapshots), one line each.
    """

    forecaster: Any
    validated: Any
    backtest: Any
    settings: Any
    intervals: dict = dataclasses.field(default_factory=dict)
    resolution: Any = None
    notes: list = dataclasses.field(default_factory=list)
    trainers: list = dataclasses.field(default_factory=list)
    ignored: list = dataclasses.field(default_factory=list)

    def summary(self):
        """str: One line: the chosen forecast beside the baselines."""
        if hasattr(self.backtest, 'verdict'):  # many series
            return self.backtest.verdict(self.validated.combination)
        from lstm_chainer.forecasting.auto import summary_line
        return summary_line(self.backtest, self.validated)

    def to_dict(self):
        """dict: JSON-ready: the settings as resolved (one table's
        transforms per column), the transform choice's measurements where
        one was made, and the refit's directory where there is one."""
        doc = {'settings': self.settings.to_dict()}
        if getattr(self.resolution, 'transformer', None) is not None:
            doc['settings']['transforms'] = dict(zip(
                self.validated.columns, self.settings.transforms))
        if getattr(self.resolution, 'choice', None) is not None:
            doc['transform_choice'] = self.resolution.choice.to_dict('index')
        refit = self.validated.meta.get('refit')
        if refit:
            doc['refit'] = refit
        return doc
