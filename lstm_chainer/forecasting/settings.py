"""The settings of a forecasting run, resolved from the data by the rules
measured on the benchmark (season and horizon from the time step, context
from both, transforms chosen on the training part, epochs from the window
count), with any of them overridden."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from lstm_chainer._checks import check_int
from lstm_chainer.data.csvdata import time_step
from lstm_chainer.forecasting import combination
from lstm_chainer.forecasting.classical import ets as classical
from lstm_chainer.forecasting.preprocessing import calendar_features
from lstm_chainer.forecasting.preprocessing.selection import (
    choose_transforms,
    default_horizon,
    default_season,
)
from lstm_chainer.forecasting.preprocessing.transforms import Transformer


class Settings:
    """What the settings of one table (:class:`AutoSettings`) and of many
    series (:class:`~lstm_chainer.forecasting.models.global_model.
    GlobalSettings`) share: one vocabulary (``season`` ``None`` for none,
    ``ensemble`` for the networks averaged, ``horizon``, ``context``,
    ``n_units``, ``n_layers``, ``batch_size``, ``epochs``, ``combine``,
    ``levels``, ``seed``, ``calendar``, ``covariates``), one JSON form and
    one reading of older records. :func:`resolve` makes either from the
    data."""

    # Older names, read as today's.
    RENAMED = {'members': 'ensemble', 'log': 'log_transform'}

    @property
    def period(self):
        """int: The season's rows, 1 without one (what the arithmetic
        uses)."""
        return self.season or 1

    def to_dict(self):
        """dict: JSON-ready fields (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, state):
        """The settings :meth:`to_dict` wrote, in this or an older version
        (unknown keys refused)."""
        state = {cls.RENAMED.get(k, k): v for k, v in state.items()}
        if state.get('season') in (0, 1):  # 'none' before 0.8
            state['season'] = None
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(state) - set(fields))
        if unknown:
            raise ValueError('unknown settings {}'.format(unknown))
        for name, field in fields.items():
            if field.type in ('tuple', tuple) and name in state:
                state[name] = tuple(state[name] or ())
        return cls(**state)

    def replace(self, **changes):
        """A copy with ``changes`` (field names)."""
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True)
class AutoSettings(Settings):
    """Every setting of a training run (frozen: resolve a new one to
    change it).

    The first group comes from the data (see :func:`resolve_settings`);
    the second are plain defaults, measured on the benchmark's short real
    series (32 units: 100 overfit; 5 members: steadier forecasts).
    """

    freq: str | None
    season: int | None
    horizon: int
    context: int
    transforms: tuple
    seq_len: int
    support_len: int
    epochs: int
    calendar: tuple = ()
    covariates: tuple = ()
    n_units: int = 32
    n_layers: int = 1
    dropout: float = 0.0
    residual: bool = False
    grad_clip: float | None = None
    early_stopping: int | None = None
    ensemble: int = 5
    batch_size: int = 16
    pred: int = 1
    snap: int | None = None  # epochs between snapshots: a tenth, 10 at least
    seed: int = 0
    stride: int = 1
    test_size: float = 0.25
    levels: tuple = (0.8, 0.95)
    classical: bool = False  # ETS in the backtest (statsmodels)
    # The pretrained network's zero-shot forecast is backtested beside the
    # table's own network and may join the forecast (init='pretrained').
    pretrained: bool = True
    # The forecast: the network, its mean with Theta, Theta, or (auto) the
    # best of them on the backtest (forecasting.combination).
    combine: str = 'auto'
    # Shorter than horizon where the held-out part is (None: the same).
    backtest_horizon: int | None = None

    @property
    def scored_horizon(self):
        """int: The horizon the backtest scores."""
        return self.backtest_horizon or self.horizon

    def transformer(self, targets):
        """Transformer: the transforms of ``targets`` (column names)."""
        return Transformer(list(self.transforms), self.season, list(targets))

    def identity(self, targets):
        """dict: What a model trained with these settings is (a resumed
        run must match it; epochs and seed may differ)."""
        return {'columns': list(targets),
                'covariates': list(self.covariates),
                'n_units': self.n_units, 'n_layers': self.n_layers,
                'residual': self.residual, 'pred': self.pred,
                'calendar': list(self.calendar), 'ensemble': self.ensemble,
                'transforms': list(self.transforms)}


# Options that are plain values (checked, not derived from the data).
_INTEGERS = ('n_units', 'n_layers', 'batch_size', 'pred', 'stride',
             'ensemble')
_OPTIONAL_INTEGERS = ('epochs', 'seq_len', 'horizon', 'context')
_PLAIN = ('n_units', 'n_layers', 'dropout', 'residual', 'grad_clip',
          'early_stopping', 'ensemble', 'batch_size', 'pred', 'snap', 'seed',
          'stride', 'levels', 'classical', 'combine', 'pretrained')
# Everything fit_auto(**overrides) takes, by name: the inputs of the rules
# of resolve_settings, then the plain settings.
OPTIONS = ('test_size', 'season', 'horizon', 'context', 'transform',
           'seq_len', 'support_len', 'epochs', 'calendar') + _PLAIN


def refuse_for_collection(names):
    """Refuses one table's options given for many series (each series is
    prepared from its own history and validated on its last horizon):
    one line naming them."""
    names = list(names)
    if names:
        raise ValueError('{} {} one table\'s: a long table\'s series are '
                         'each prepared from their own history and validated '
                         'on their last horizon; leave {} out'.format(
                             ', '.join(names), 'is' if len(names) == 1
                             else 'are', 'it' if len(names) == 1
                             else 'them'))


@dataclasses.dataclass
class Resolution:
    """How :func:`resolve_settings` (or a global model's settings) chose:
    the settings, the transforms (``None`` for many series, each prepared
    from its own history), the transform choice's measurements (``None``
    when transforms were given), why there is no season, and notes worth
    telling the user."""

    settings: AutoSettings
    transformer: Transformer | None
    choice: pd.DataFrame | None = None
    no_season_because: str | None = None
    notes: list = dataclasses.field(default_factory=list)


def default_epochs(n_rows, seq_len, batch_size, members):
    """Epochs for 300 iterations per member, fewer (down to 100) where the
    windows are so long that all members together would pass 80,000 window
    steps. More overfits the short series of the benchmark."""
    iterations = max(100, min(300, 80000 // (seq_len * members)))
    return max(1, -(-iterations * batch_size // n_rows))


# Seasons of training rows a default season needs (the transform choice
# measures its strength on them); fewer windows than this are too few.
MIN_SEASONS = 3
MIN_WINDOWS = 4


def season_of(freq, n_train, season=None):
    """The season in rows and, when there is none, why.

    Args:
        freq (str): The data's time step.
        n_train (int): Training rows.
        season (int): Given season (0 or 1: none); default from ``freq``
            when there are at least 3 seasons to train on.

    Returns:
        tuple: ``(season or None, reason or None)``.
    """
    if season is not None:
        season = check_int('season', season, 0)
        if season >= n_train:
            raise ValueError('season {} is longer than the training part '
                             '({} rows)'.format(season, n_train))
        return (season if season > 1 else None), 'no season given'
    season = default_season(freq)
    if season is None:
        return None, 'no seasonal time step'
    if n_train < MIN_SEASONS * season:
        return None, 'fewer than {} seasons of {} to train on'.format(
            MIN_SEASONS, season)
    return season, None


def resolve_settings(data, train, test, covariates=(), *, season=None,
                     horizon=None, context=None, transform='auto',
                     seq_len=None, support_len=None, epochs=None,
                     calendar=None, test_size=0.25, **plain):
    """Resolves every setting of a run from the data and the overrides.

    Args:
        data (pandas.DataFrame): All rows, targets first, then covariates.
        train, test (pandas.DataFrame): Its split in time order.
        covariates (sequence): Columns read but not forecast.
        season (int): Season in rows (default from the time step; 0: none).
        horizon (int): Forecast horizon, which the windows train for
            (default from the time step). The backtest scores it, or as
            much of it as the test part holds (half the test part at
            most for the default).
        context (int): Rows of warm-up (default ``max(2 horizon,
            2 season, 8)``; on a training part too short for such windows,
            context and horizon shrink to leave 4 windows at least).
        transform: ``'auto'`` (chosen per column on the training part),
            a spec (``'diff'``, ``'sales=log-diff,temp=none'``) or a
            :class:`Transformer`.
        seq_len (int): Window length (default ``context + horizon``).
        support_len (int): Last teacher-forced step (default
            ``context - 1``).
        epochs (int): Default: :func:`default_epochs`.
        calendar: Calendar features (list or ``'month,hour'``); those a
            seasonal difference of every column already removes are
            left out with a note.
        test_size (float): Recorded as given.
        **plain: The :class:`AutoSettings` fields without a rule
            (``n_units``, ``ensemble``, ``seed``, ...).

    Returns:
        Resolution: The settings and how they were chosen.
    """
    if plain.get('static'):
        raise ValueError('static columns need many series (a long table, '
                         '--id-column): a static column is constant within '
                         'each series')
    plain.pop('static', None)
    unknown = sorted(set(plain) - set(_PLAIN))
    if unknown:
        raise ValueError('unknown setting(s) {}'.format(', '.join(unknown)))
    given = dict(plain, epochs=epochs, seq_len=seq_len, horizon=horizon,
                 context=context)
    for name in _INTEGERS:
        if name in plain:
            check_int(name, plain[name], 1)
    for name in _OPTIONAL_INTEGERS + ('snap',):
        if given.get(name) is not None:
            check_int(name, given[name], 1)
    defaults = {f.name: f.default for f in dataclasses.fields(AutoSettings)
                if f.name in _PLAIN}
    plain = dict(defaults, **plain)
    if 'levels' in plain:
        plain['levels'] = tuple(sorted(float(v) for v in plain['levels']))
    if plain['classical']:
        classical.require()
    combination.check(plain['combine'])
    covariates = list(covariates or [])
    if plain['combine'] in ('regression', 'mean_regression') \
            and not covariates:
        raise ValueError('combine={} regresses on the covariates: name them '
                         '(covariates=...)'.format(plain['combine']))
    freq = time_step(data.index)
    season, why = season_of(freq, len(train), season)
    asked = {'horizon': horizon, 'context': context, 'seq_len': seq_len}
    horizon = horizon or default_horizon(freq)
    scored = min(horizon, len(test) - 1 if asked['horizon']
                 else max(1, len(test) // 2))
    context = context or max(2 * horizon, 2 * (season or 0), 8)
    targets = [c for c in train.columns if c not in covariates]
    looks = _look_at_targets(train[targets])
    transformer, choice = _transformer(transform, train[targets], season)
    window = seq_len or context + horizon
    room = len(train) - plain['pred'] - transformer.lag
    shrunk = not (asked['seq_len'] or asked['context']) \
        and window > room - MIN_WINDOWS + 1 and room >= 3
    if shrunk:
        context, window = _short_windows(room, horizon)
    seq_len = window
    support_len = context - 1 if support_len is None \
        else check_int('support_len', support_len, 0)
    need = seq_len + plain['pred'] + transformer.lag
    if len(train) < need or scored < 1:
        raise ValueError(
            '{} rows are too few: with test_size {} the training part has {} '
            'rows and needs seq_len + pred + {} (transform) = {}, the test '
            'part has {} and needs 2 at least'.format(
                len(data), test_size, len(train), transformer.lag, need,
                len(test)))
    if len(train) <= context + transformer.lag:
        context = len(train) - transformer.lag - 1
    epochs = epochs or default_epochs(len(train) - transformer.lag, seq_len,
                                      plain['batch_size'], plain['ensemble'])
    if plain['snap'] is None:
        plain['snap'] = max(10, -(-epochs // 10))
    calendar, notes = _calendar(calendar, data, train, season, transformer)
    if shrunk:
        notes.append('the training part is short ({} rows): windows of {} '
                     'rows, {} of context'.format(len(train), seq_len,
                                                  context))
    if asked['horizon'] and scored < horizon:
        notes.append('the held-out part ({} rows) backtests {} of the {} '
                     'steps of the horizon; forecasts go the whole '
                     'horizon'.format(len(test), scored, horizon))
    notes = looks + notes
    settings = AutoSettings(
        freq=freq, season=season, horizon=horizon, context=context,
        transforms=tuple(transformer.names), seq_len=seq_len,
        support_len=support_len, epochs=epochs, calendar=tuple(calendar),
        covariates=tuple(covariates), test_size=test_size,
        backtest_horizon=scored if scored < horizon else None, **plain)
    return Resolution(settings, transformer, choice,
                      why if season is None else None, notes)


def _short_windows(room, horizon):
    """``(context, seq_len)`` for a training part whose ``room`` rows are
    too short for the default windows: two thirds of it at most, leaving
    4 windows, half of each (up to the horizon) forecast."""
    seq_len = max(2, min(room - MIN_WINDOWS + 1, max(4, room // 3 * 2)))
    steps = min(horizon, max(1, seq_len // 2))
    return seq_len - steps, seq_len


def _look_at_targets(train):
    """Refuses constant targets; notes those that look like indicators."""
    notes = []
    for column in train.columns:
        values = np.unique(train[column].to_numpy(np.float64))
        if len(values) == 1:
            raise ValueError(
                'column {!r} is constant on the training part (every value '
                'is {:g}): there is nothing to learn from it; leave it out '
                'of the columns, or make it a covariate'.format(
                    column, values[0]))
        integers = (values == np.round(values)).all()
        if len(values) == 2 or integers and len(values) <= 7 \
                and len(train) >= 10 * len(values):
            notes.append(
                'column {!r} takes only {} values ({}): an indicator or a '
                'calendar-like column? It is forecast as a target; if its '
                'future is known, make it a covariate (--covariates {})'
                .format(column, len(values), ', '.join(
                    '{:g}'.format(v) for v in values), column))
    return notes


def _transformer(spec, train, season):
    if isinstance(spec, Transformer):
        transformer = spec
    elif spec == 'auto':
        return choose_transforms(train, season)
    else:
        transformer = Transformer.parse(spec, list(train.columns), season)
    transformer.check(train.to_numpy(np.float64))
    return transformer, None


def _calendar(spec, data, train, season, transformer):
    """The calendar features and the note on those left out."""
    if not spec:
        return [], []
    calendar = calendar_features.parse(spec if isinstance(spec, str)
                                       else ','.join(spec))
    if not isinstance(data.index, pd.DatetimeIndex):
        raise ValueError('calendar features need a time column')
    calendar_features.features(data.index, calendar)  # checks the step
    notes = []
    if season and all(n.endswith('seasonal-diff') for n in transformer.names):
        # Measured on the benchmark's equipment orders: month beside a
        # seasonal difference made MASE worse (0.55 against 0.40).
        redundant = calendar_features.repeating(train.index, calendar, season)
        if redundant:
            notes.append(
                'calendar {} left out: every column is seasonally '
                'differenced ({} rows), which already removes what {} '
                'describe{}'.format(','.join(redundant), season,
                                    ', '.join(redundant),
                                    's' if len(redundant) == 1 else ''))
            calendar = [n for n in calendar if n not in redundant]
    return calendar, notes
