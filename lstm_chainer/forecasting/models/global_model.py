"""One network across many series: :func:`fit_global` and its forecaster.

Every series is prepared from its own history
(:mod:`~lstm_chainer.forecasting.preprocessing.series_prep`: log, deseasonalisation,
level normalisation), training windows are drawn across all series
(:class:`~lstm_chainer.core.collection_iterator.CollectionIterator`)
and trained through the fused path by Chainer's Trainer; forecasts,
backtests and the classical partners run for all series as one batch.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
import warnings
from typing import Callable

import chainer
import chainer.functions as F
import numpy as np
import pandas as pd

from lstm_chainer._checks import check_int, check_positive
from lstm_chainer._io import load_npz
from lstm_chainer.core import fused
from lstm_chainer.core.collection_iterator import (
    SAMPLING,
    CollectionIterator,
    context_scale,
    gather_windows,
)
from lstm_chainer.core.model import Model
from lstm_chainer.core.optimizers import FlatAdam
from lstm_chainer.data.collection import Collection, read_long
from lstm_chainer.device import get_device
from lstm_chainer.forecasting import combination, saved
from lstm_chainer.forecasting.classical.damped import damped_forecasts
from lstm_chainer.forecasting.classical.theta import theta_forecasts_of
from lstm_chainer.forecasting.evaluation.backtest import naive_scale
from lstm_chainer.forecasting.evaluation.intervals import (
    carried,
    conformal_quantiles,
    interval_scores,
)
from lstm_chainer.forecasting.preprocessing.collection_inputs import (
    InputEncoder,
    fit_inputs,
)
from lstm_chainer.forecasting.preprocessing.selection import (
    default_horizon,
    default_season,
)
from lstm_chainer.forecasting.preprocessing.series_prep import NORMALISE, fit_prep
from lstm_chainer.forecasting.result import FitResult
from lstm_chainer.forecasting.saved import META_FILE, MODEL_FILE
from lstm_chainer.forecasting.settings import (
    OPTIONS,
    Resolution,
    Settings,
    refuse_for_collection,
)
from lstm_chainer.training import distributed
from lstm_chainer.training.extensions import linear_decay
from lstm_chainer.training.threads import training_threads

SERIES_FILE = 'series.csv'
REFIT_DIR = 'refit'
# The methods every collection backtest scores beside the model.
# The baselines of every backtest, as one table's backtest scores them.
BASELINES = ('naive', 'seasonal_naive', 'drift', 'theta', 'damped')
# The forecasts a global model can be (the partners' weights).
CANDIDATES = combination.CANDIDATES
COMBINE = combination.CHOICES
# What 'auto' weighs: forecasts that keep the network. The validated
# network trained without each series' last horizon; the forecast is
# the refit's, on all rows, so a validation that drops the network
# judges a weaker one than is used (on M3 monthly it chose Theta alone:
# test sMAPE 14.00 where the mean of all three scored 13.58). The first
# is the default, kept unless another is significantly better: it came
# within 2.2 % of the best validation MASE in every M3 category (the mean
# with Theta within 6 %, the mean of all three within 3.3 %).
AUTO = ('mean_damped', 'mean', 'none', 'mean3')
LOSSES = {'mse': F.mean_squared_error, 'mae': F.mean_absolute_error}
SCHEDULES = ('constant', 'linear')
# The least context scale of normalise='scaled' (prepared units: a change
# of 1 % a step on a logged series), so a flat history is not divided by 0.
SCALE_FLOOR = 0.01
# The fewest rows a series needs for the network's forecast: eight, and a
# season plus four. From fewer the networks extrapolated a few rows'
# swings into growth without end (a 5-row quarterly series to 25,000 times
# its level in 8 steps); damped ES forecasts such a series instead. Read
# off the histories alone (no test row): forecasts of M3's and Tourism's
# histories cut to n rows leaving their range by three times its width
# fell below 1 % at 8 rows on yearly and quarterly series, at 16 monthly.
MIN_NETWORK_ROWS = 8


def network_rows(season):
    """int: The fewest rows the network forecasts from, with ``season``."""
    return max(MIN_NETWORK_ROWS, (season or 1) + 4)


@dataclasses.dataclass(frozen=True)
class GlobalSettings(Settings):
    """Every setting of a global model's run.

    Attributes:
        horizon (int): Steps forecast (and trained for).
        context (int): Rows of history a forecast warms up on.
        season (int): The season (``None``: none, as
            :class:`~lstm_chainer.forecasting.settings.AutoSettings` says
            it; :attr:`period` is 1 then).
        freq (str): The time step (``None``: rows are steps).
        n_units (int): Hidden units.
        n_layers (int): LSTM layers.
        batch_size (int): Windows per iteration.
        epochs (int): Epochs; one epoch draws as many windows as there are
            series (one batch where there are fewer).
        ensemble (int): Networks in the ensemble (their forecasts'
            mean); as :class:`~lstm_chainer.forecasting.settings.
            AutoSettings` names it.
        sampling (str): ``series`` (every series equally often) or
            ``windows`` (every window equally often).
        normalise (str): ``window`` (each window minus its level at the
            origin), ``scaled`` (that, divided by the mean absolute change
            over the window's context: every window weighs alike in the
            loss, however volatile its series) or ``series`` (each series
            standardised).
        deseasonalise (bool): Classical decomposition where the season
            passes Theta's test.
        log_transform (bool): Log positive series.
        score_horizon (bool): The loss scores the forecast steps only
            (``False``: the warm-up's one-step errors too).
        loss (str): ``mse`` or ``mae`` (on the prepared values: errors
            relative to the level, near what sMAPE scores).
        combine (str): ``auto`` (chosen on the validation among
            :data:`AUTO`, the candidates that keep the network) or one of
            :data:`CANDIDATES`: ``mean_damped`` (the mean of the network
            and damped-trend exponential smoothing), ``mean`` (of the
            network and Theta), ``none`` (the network), ``theta``,
            ``damped``, ``mean3`` (of the three), ``classical`` (of Theta
            and damped smoothing).
        levels (tuple): Interval coverage levels.
        seed (int): Seed of parameters and windows.
        static (tuple): Static columns read as one-hot inputs.
        calendar (tuple): Calendar features read as inputs.
        covariates (tuple): Covariates read as inputs (known ahead).
        any_season (bool): Trained on series of many time steps, each
            prepared with its own season (a pretrained model): a
            collection it forecasts is prepared with the season of its
            time step, or the one given, not :attr:`season`.
        grad_clip (float): Clip the gradient's global norm to this
            (``None``: no clipping).
        alpha (float): Adam's step size (at the start, with a schedule).
        schedule (str): Adam's step: ``constant``, or ``linear``
            (decays linearly to zero over the epochs).
    """

    horizon: int
    context: int
    season: int | None = None
    freq: str | None = None
    n_units: int = 32
    n_layers: int = 1
    batch_size: int = 256
    epochs: int = 100
    ensemble: int = 3
    sampling: str = 'windows'
    normalise: str = 'window'
    deseasonalise: bool = True
    log_transform: bool = True
    score_horizon: bool = True
    loss: str = 'mse'
    combine: str = 'auto'
    levels: tuple = (0.8, 0.95)
    seed: int = 0
    static: tuple = ()
    calendar: tuple = ()
    covariates: tuple = ()
    any_season: bool = False
    grad_clip: float | None = None
    alpha: float = 0.001
    schedule: str = 'constant'



def global_settings(collection: Collection, horizon=None, season=None,
                    context=None, epochs=None, iterations=1000, **given):
    """Settings for a collection: season and horizon from its time step,
    context from the horizon, season and the series' lengths, epochs for
    about ``iterations`` updates.

    Returns:
        GlobalSettings: The settings.
    """
    freq = collection.freq
    given_season = season
    # No season is 0 or 1 (or a step without one), as fit_auto takes it.
    season = max(1, check_int('season', season, 0)) if season is not None \
        else (default_season(freq) or 1)
    if given_season is not None and season > 1 \
            and season >= collection.lengths.max():
        raise ValueError('season {} is longer than every series (the longest '
                         'has {} rows)'.format(season,
                                               collection.lengths.max()))
    horizon = check_int('horizon', horizon, 1) if horizon is not None \
        else default_horizon(freq)
    if context is None:
        # 1.5 horizons (2 seasons where longer): on M3's validation parts
        # shorter warm-ups scored better than the 2 horizons of one series.
        typical = int(np.median(collection.lengths))
        context = max(min(max(-(-3 * horizon // 2), 2 * season, 8),
                          typical - horizon), min(8, typical), 1)
    context = check_int('context', context, 1)
    if 'members' in given:
        warnings.warn('members= is now ensemble= (as fit_auto names it)',
                      FutureWarning, stacklevel=3)
        given['ensemble'] = given.pop('members')
    fields = {f.name for f in dataclasses.fields(GlobalSettings)}
    unknown = sorted(set(given) - fields)
    refuse_for_collection(n for n in unknown if n in OPTIONS)
    if unknown:
        raise ValueError('unknown setting(s) {} for a collection (known: {})'
                         .format(', '.join(unknown), ', '.join(sorted(
                             fields - {'horizon', 'context', 'season',
                                       'freq'}))))
    if given.get('sampling', 'windows') not in SAMPLING:
        raise ValueError('sampling must be one of {}, got {!r}'.format(
            ', '.join(SAMPLING), given['sampling']))
    if given.get('normalise', 'window') not in NORMALISE:
        raise ValueError('normalise must be one of {}, got {!r}'.format(
            ', '.join(NORMALISE), given['normalise']))
    if given.get('combine', 'auto') not in COMBINE or given.get(
            'combine') in combination.ONE_TABLE:
        raise ValueError('combine must be one of {}, got {!r}'.format(
            ', '.join(c for c in COMBINE if c not in combination.ONE_TABLE),
            given['combine']))
    if given.get('loss', 'mse') not in LOSSES:
        raise ValueError('loss must be one of {}, got {!r}'.format(
            ', '.join(LOSSES), given['loss']))
    if given.get('schedule', 'constant') not in SCHEDULES:
        raise ValueError('schedule must be one of {}, got {!r}'.format(
            ', '.join(SCHEDULES), given['schedule']))
    for name in ('grad_clip', 'alpha'):
        if given.get(name) is not None:
            check_positive(name, given[name])
    for name in ('n_units', 'n_layers', 'batch_size', 'ensemble', 'seed'):
        if name in given:
            check_int(name, given[name], 0 if name == 'seed' else 1)
    batch = given.get('batch_size', 256)
    if epochs is None:
        epochs = max(1, int(np.ceil(iterations * batch
                                    / max(len(collection), batch))))
    given['levels'] = tuple(given.get('levels', (0.8, 0.95)))
    for name in ('static', 'calendar', 'covariates'):
        if isinstance(given.get(name), str):
            given[name] = given[name].split(',')
        given[name] = tuple(given.get(name) or ())
    return GlobalSettings(horizon=horizon, context=context,
                          season=season if season > 1 else None,
                          freq=freq, epochs=check_int('epochs', epochs, 1),
                          **given)


class GlobalForecaster:
    """A network (or ensemble) trained across series, used in data units.

    Args:
        members (list): The networks (:class:`Model`).
        settings (GlobalSettings): How they were trained.
        sigma (float): The common scale of the prepared windows.
        meta (dict): Intervals, combination, the validation summary.
        inputs (InputEncoder): How static columns, calendar features and
            covariates become inputs (``None``: the targets alone).
    """

    def __init__(self, members, settings, sigma, meta=None, inputs=None):
        self.members = list(members)
        self.settings = settings
        self.sigma = float(sigma)
        self.meta = dict(meta or {})
        self.inputs = inputs or InputEncoder()

    def with_season(self, season):
        """This model preparing every series with ``season`` (a
        pretrained model, :attr:`GlobalSettings.any_season`, reads each
        collection's own; a model trained for one season keeps it).

        Args:
            season (int): The season (``None`` or 1: none).

        Returns:
            GlobalForecaster: A copy sharing the networks.
        """
        if not self.settings.any_season:
            return self
        season = max(1, check_int('season', season or 1, 0))
        settings = dataclasses.replace(
            self.settings, season=season if season > 1 else None)
        return GlobalForecaster(self.members, settings, self.sigma,
                                self.meta, self.inputs)

    @property
    def combination(self):
        """dict: Theta's weight in the forecast (empty: the network)."""
        return dict(self.meta.get('combination') or {})

    @property
    def half_widths(self):
        """dict: Level -> ``(H,)`` conformal half-widths in MASE units."""
        saved = (self.meta.get('intervals') or {}).get('half_widths') or {}
        return {float(k): np.asarray(v) for k, v in saved.items()}

    def network(self, collection, horizon=None, future=None):
        """The ensemble's forecasts past every series' last row.

        Args:
            collection (Collection): The histories (any series: each is
                prepared from its own rows).
            horizon (int): Steps (default: the trained horizon).
            future (Collection): The covariates' values in the ``horizon``
                rows after every series (a model with covariates needs
                them; :func:`from_long` of a table of id, time, covariates).

        Returns:
            numpy.ndarray: ``(H, S, n)`` in data units.
        """
        horizon = check_int('horizon', horizon or self.settings.horizon, 1)
        known = self.inputs.future(collection, horizon, future) \
            if self.inputs.width else None
        return self._network(collection, horizon, known)

    def _network(self, collection, horizon, known):
        """As :meth:`network`, the inputs after the histories given
        (``(H, S, width)`` or ``None``)."""
        s = self.settings
        prep = fit_prep(collection.values, collection.offsets, s.period,
                        s.normalise, s.deseasonalise, s.log_transform)
        z = prep.transform(collection.values, collection.offsets) \
            / self.sigma
        lengths = collection.lengths
        if (lengths < 1).any():
            raise ValueError('series {!r} has no rows to forecast from'
                             .format(collection.ids[np.argmax(lengths < 1)]))
        series = np.arange(len(collection))
        windows, level = gather_windows(
            z, collection.offsets, series, lengths - 1, s.context, 0,
            s.normalise != 'series')
        change = context_scale(windows, lengths - 1, s.context, 0.0)
        scale = np.maximum(change, SCALE_FLOOR) \
            if s.normalise == 'scaled' else np.ones_like(level)
        flat = flat_context(change, windows[:s.context], level)
        xs = (windows / scale[None]).astype(np.float32)
        if known is not None:
            history, _ = gather_windows(
                self.inputs.rows(collection), collection.offsets, series,
                lengths - 1, s.context, 0, False)
            # Each step reads the inputs of the row it predicts.
            ahead = np.concatenate([history[1:], known])
            xs = np.concatenate([
                np.concatenate([xs, np.zeros((horizon - 1,) + xs.shape[1:],
                                             np.float32)]),
                ahead.astype(np.float32)], axis=2)
        outputs = []
        for network in self.members:
            parts = []
            for start in range(0, len(series), 8192):
                ys = fused.forecast_array(
                    network, xs[:, start:start + 8192],
                    s.context + horizon - 1, s.context - 1)
                parts.append(np.asarray(ys[s.context - 1:], np.float64))
            outputs.append(np.concatenate(parts, axis=1))
        # The members' mean, as one table's ensemble (the median scored
        # the same on M3, M1 and tourism within 0.03 sMAPE).
        z_hat = np.mean(outputs, axis=0) * scale[None] + level[None]
        # A context that never changes reads as all zeros, where the
        # network learnt only what followed flat stretches of its corpus
        # (intermittent counts, padded starts) and drifts: such a series
        # is forecast unchanged, as every classical method does.
        z_hat[:, flat] = (windows[s.context - 1] + level)[flat]
        positions = lengths[None, :] + np.arange(horizon)[:, None]
        out = prep.inverse(z_hat * self.sigma, series, positions)
        short = np.flatnonzero(lengths < network_rows(s.period))
        if len(short):
            out[:, short] = damped_collection(collection.select(short),
                                              horizon, s.period)
        return out

    def forecast(self, collection, horizon=None, future=None):
        """The forecasts (the network mixed with Theta as chosen;
        ``future`` as :meth:`network`'s).

        Returns:
            numpy.ndarray: ``(H, S, n)`` in data units.
        """
        network = self.network(collection, horizon, future)
        if not self.combination:
            return network
        partners = {name: baseline_collection(name, collection,
                                              network.shape[0],
                                              self.settings.period)
                    for name in self.combination}
        return combination.mix(network, partners, self.combination)

    def forecast_frame(self, collection, horizon=None, levels=None,
                       future=None):
        """The long forecast table: ``id``, the time, each target and, per
        calibrated level, its ``_lower_``/``_upper_`` bounds.

        Returns:
            pandas.DataFrame: One row per series and step.
        """
        f = self.forecast(collection, horizon, future)
        steps = f.shape[0]
        notes = ['{} {} never seen in training: {} (read as none of the '
                 'known ones)'.format(len(new), name, ', '.join(new[:5])
                                      + ' ...' * (len(new) > 5))
                 for name, new in self.inputs.unseen(collection).items()]
        scale = history_scale(collection, self.settings.period)
        frame = pd.DataFrame({collection.id_name: np.repeat(collection.ids,
                                                             steps)})
        time = collection.time_name or ('time' if collection.starts
                                        is not None else 'step')
        if collection.starts is None:
            frame[time] = np.concatenate([
                np.arange(n, n + steps) for n in collection.lengths])
        else:
            frame[time] = np.concatenate([
                collection.future_index(i, steps) for i in range(len(collection))])
        half = self.half_widths
        levels = sorted(half) if levels is None else [
            float(v) for v in levels if float(v) in half]
        for k, column in enumerate(collection.columns):
            values = f[:, :, k].T
            frame[column] = values.ravel()
            for level in levels:
                width = carried(half[level], steps)[None] \
                    * scale[:, k, None]
                tag = '{:g}'.format(100 * level)
                floor = (collection.values[:, k] >= 0).all()
                lower = values - width
                frame['{}_lower_{}'.format(column, tag)] = (
                    np.maximum(lower, 0) if floor else lower).ravel()
                frame['{}_upper_{}'.format(column, tag)] = \
                    (values + width).ravel()
        frame.attrs['notes'] = notes
        return frame

    @property
    def covariates(self):
        """list: The covariates the model reads (their future is needed)."""
        return list(self.settings.covariates)

    def read_data(self, path=None, future=False, sep=None, thousands=None,
                  decimal=None, **ignored):
        """The long table the model works on: ``path`` (default: its
        training file) read with its id, time, target and input columns
        (with ``future``: id, time and covariates, their future values)
        and, where not given, the training file's separators.

        Returns:
            Collection: The series.
        """
        data, s = self.meta.get('data') or {}, self.settings
        if (path or data.get('path')) is None:
            raise ValueError('the model does not say what it was trained on:'
                             ' pass the data (--data)')
        columns = [data.get('columns'), self.covariates][future]
        return read_long(path or data['path'], data.get('id_column'),
                         data.get('time_column'), columns,
                         () if future else s.covariates,
                         () if future else s.static, s.freq,
                         sep=sep or data.get('sep'),
                         thousands=thousands or data.get('thousands'),
                         decimal=decimal or data.get('decimal'))

    def save(self, directory):
        """Writes ``model.npz`` (every member) and ``model.json``."""
        holder = chainer.ChainList(*[m.copy(mode='share')
                                     for m in self.members])
        saved.write_record(directory, {
            'kind': saved.GLOBAL, 'model': self.members[0].config(),
            'members': len(self.members), 'sigma': self.sigma,
            'settings': self.settings.to_dict(),
            'inputs': self.inputs.to_dict(), **self.meta}, holder)


def validation_errors(directory):
    """The validation MASE per series that :func:`fit_global` wrote into
    ``directory`` (``None`` where there is none).

    Returns:
        pandas.Series: Id -> the model's mean MASE; or a text saying why
        the table could not be read.
    """
    table = os.path.join(directory, SERIES_FILE)
    if not os.path.isfile(table):
        return None
    try:
        return pd.read_csv(table, dtype={'id': str}).groupby('id')[
            'model MASE'].mean().dropna()
    except (ValueError, KeyError, UnicodeDecodeError) as error:
        return '{} is not the validation table ({})'.format(
            table, str(error).splitlines()[0][:80])


def is_global(directory):
    """bool: ``directory`` holds a global model."""
    return saved.kind_of(directory) == saved.GLOBAL


def load_global(directory, refit=False):
    """Loads a :class:`GlobalForecaster` that :meth:`~GlobalForecaster.save`
    wrote (the refit on all rows with ``refit=True`` where there is one);
    every field it reads is checked first, a damaged one named in one
    line with the file.
    """
    path = os.path.join(directory, META_FILE)
    doc = saved.read_doc(directory)
    if doc.get('kind') != saved.GLOBAL:
        raise ValueError('{} holds no global model'.format(directory))
    saved.check_global(doc, path)
    if refit and doc.get('refit'):
        return load_global(os.path.join(directory, doc['refit']))
    try:
        settings = GlobalSettings.from_dict(doc['settings'])
        inputs = InputEncoder.from_dict(doc.get('inputs'))
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError('{} is corrupted or not a model description ({}: '
                         '{})'.format(path, type(e).__name__, e)) from None
    members = [Model.from_config(doc['model'])
               for _ in range(doc['members'])]
    load_npz(os.path.join(directory, MODEL_FILE), chainer.ChainList(*members),
             '{path} is truncated or corrupted ({error})')
    meta = {k: v for k, v in doc.items() if k not in (
        'format', 'kind', 'lstm_chainer', 'chainer', 'model', 'members',
        'sigma', 'settings', 'inputs')}
    return GlobalForecaster(members, settings, doc['sigma'], meta, inputs)


def theta_collection(collection, horizon, season):
    """Theta's forecasts past every series (``(H, S, n)``)."""
    out = np.empty((horizon, len(collection), len(collection.columns)))
    for k in range(len(collection.columns)):
        out[:, :, k] = theta_forecasts_of(
            [collection.series(i)[:, k] for i in range(len(collection))],
            horizon, season)
    return out


def damped_collection(collection, horizon, season):
    """Damped-trend exponential smoothing past every series
    (``(H, S, n)``; :mod:`~lstm_chainer.forecasting.classical.damped`)."""
    out = np.empty((horizon, len(collection), len(collection.columns)))
    for k in range(len(collection.columns)):
        out[:, :, k] = damped_forecasts(
            [collection.series(i)[:, k] for i in range(len(collection))],
            horizon, season)
    return out


def history_scale(collection, season):
    """``(S, n)`` MASE scales: each series' in-sample seasonal naive mean
    absolute error (lag 1 when the series is shorter than two seasons), at
    zero scale as :func:`~lstm_chainer.forecasting.evaluation.backtest.naive_scale`
    rules (1 for a series of one row)."""
    count, n = len(collection), len(collection.columns)
    scale = np.ones((count, n))
    for i in range(count):
        rows = collection.series(i)
        lag = season if season > 1 and len(rows) > season + 1 else 1
        if len(rows) > lag:
            scale[i] = naive_scale(rows, lag)
    return scale


def baseline_collection(name, collection, horizon, season):
    """A baseline's forecasts past every series (``(H, S, n)``)."""
    if name == 'theta':
        return theta_collection(collection, horizon, season)
    if name == 'damped':
        return damped_collection(collection, horizon, season)
    last = collection.offsets[1:] - 1
    if name == 'drift':
        first = collection.values[collection.offsets[:-1]]
        slope = (collection.values[last] - first) / np.maximum(
            collection.lengths - 1, 1)[:, None]
        return collection.values[last][None] + np.arange(
            1, horizon + 1)[:, None, None] * slope[None]
    if name == 'naive' or season <= 1:
        return np.repeat(collection.values[last][None], horizon, axis=0)
    lengths = collection.lengths
    back = (np.arange(horizon)[:, None] % season) - season + 1
    back = np.where(lengths[None, :] >= season, back, 0)
    rows = last[None, :] + back
    return collection.values[rows]


def smape(forecast, actual):
    """M3's sMAPE in %, per series and target (mean over the horizon)."""
    denominator = np.abs(forecast) + np.abs(actual)
    with np.errstate(invalid='ignore', divide='ignore'):
        terms = np.where(denominator > 0,
                         2 * np.abs(forecast - actual) / denominator, 0.0)
    return 100 * terms.mean(axis=0)


@dataclasses.dataclass
class CollectionBacktest:
    """Forecasts of every series from its last origins, beside baselines.

    Attributes:
        forecasts (dict): Method -> ``(H, B, n)``; ``B`` runs over series
            and origins (``table`` says which).
        actual (numpy.ndarray): ``(H, B, n)``.
        scale (numpy.ndarray): ``(B, n)`` MASE scales.
        ids (numpy.ndarray): ``(B,)`` the series of each column.
        origins (numpy.ndarray): ``(B,)`` their origins (rows of history).
        columns (list): Targets.
        skipped (dict): Id -> why it could not be backtested.
    """

    forecasts: dict
    actual: np.ndarray
    scale: np.ndarray
    ids: np.ndarray
    origins: np.ndarray
    columns: list
    skipped: dict

    @property
    def horizon(self):
        """int: Steps scored from each origin."""
        return self.actual.shape[0]

    @property
    def methods(self):
        """list: The methods scored (the model first)."""
        return list(self.forecasts)

    def table(self):
        """pandas.DataFrame: Per series and origin, every method's sMAPE
        and MASE (mean over targets)."""
        frame = pd.DataFrame({'id': self.ids, 'origin': self.origins})
        for name, f in self.forecasts.items():
            frame['{} sMAPE'.format(name)] = smape(f, self.actual).mean(1)
            frame['{} MASE'.format(name)] = (
                np.abs(f - self.actual).mean(0) / self.scale).mean(1)
        return frame

    def summary(self):
        """Per method: mean sMAPE and MASE, median MASE, the share of
        series the model beats it on (MASE), and the OWA-like ratio to
        seasonal naive (mean of the sMAPE and MASE ratios).

        Returns:
            pandas.DataFrame: One row per method.
        """
        table = self.table()
        rows = {}
        reference = 'seasonal_naive'
        for name in self.forecasts:
            s, m = table[name + ' sMAPE'], table[name + ' MASE']
            # A reference that is exact (all zeros) makes the OWA inf.
            with np.errstate(divide='ignore', invalid='ignore'):
                owa = 0.5 * (s.mean() / table[reference + ' sMAPE'].mean()
                             + m.mean() / table[reference + ' MASE'].mean())
            rows[name] = {
                'sMAPE': s.mean(), 'MASE': m.mean(), 'median MASE': m.median(),
                'model beats it': (table['model MASE'] < m).mean()
                if name != 'model' else np.nan, 'OWA': owa}
        return pd.DataFrame(rows).T

    def intervals(self, half_widths):
        """Coverage, mean width and MSIS of the model's intervals, as one
        table's backtest scores them.

        Args:
            half_widths (dict): Level -> ``(H',)`` or ``(H', n)``
                half-widths in MASE units (steps past ``H'`` keep the last one's width).

        Returns:
            pandas.DataFrame: One row per level.
        """
        h = self.horizon
        return interval_scores(self.forecasts['model'], self.actual, {
            level: carried(np.asarray(half), h).reshape(h, 1, -1)
            * self.scale[None]
            for level, half in half_widths.items()}, self.scale)

    def verdict(self, weights=None):
        """str: One line: the model beside its best baseline."""
        summary = self.summary()
        model = summary.loc['model']
        alone = [k for k, w in (weights or {}).items() if w == 1]
        others = summary.drop(['model', combination.NETWORK] + alone,
                              errors='ignore')
        best = others['MASE'].idxmin()
        what = 'the model' if not weights else 'the forecast ({})'.format(
            combination.describe(weights))
        line = 'summary: over {} series {} scores MASE {:.3g}, sMAPE ' \
            '{:.3g} (OWA {:.3f} of seasonal naive); best baseline {} MASE ' \
            '{:.3g}, sMAPE {:.3g}; it beats {} on {:.0%} of series'.format(
                len(set(self.ids)), what, model['MASE'], model['sMAPE'],
                model['OWA'], best, others.loc[best, 'MASE'],
                others.loc[best, 'sMAPE'], best,
                others.loc[best, 'model beats it'])
        return line


# A context whose mean absolute change is below this fraction of its
# magnitude is flat (float noise of a constant series' transforms).
FLAT = 1e-9


def flat_context(change, contexts, level):
    """Which series' contexts do not change at all.

    Args:
        change: ``(S, n)`` each context's mean absolute change
            (:func:`context_scale` with no floor).
        contexts: ``(context, S, n)`` the context rows.
        level: ``(S, n)`` the anchors subtracted (zeros where none).

    Returns:
        numpy.ndarray: ``(S, n)`` bool.
    """
    size = np.abs(contexts).max(axis=0) + np.abs(level)
    return change <= FLAT * np.maximum(size, 1.0)


def backtest_collection(forecaster, collection, horizon=None, origins=1,
                        stride=None):
    """Forecasts every series from its last ``origins`` origins (the last
    ``horizon`` rows after each held out), beside the baselines.

    Args:
        forecaster (GlobalForecaster): The model.
        collection (Collection): The series, held-out rows included.
        horizon (int): Steps (default: the model's).
        origins (int): Origins per series.
        stride (int): Rows between them (default: the horizon).

    Returns:
        CollectionBacktest: The forecasts and what happened.
    """
    s = forecaster.settings
    horizon = check_int('horizon', horizon or s.horizon, 1)
    origins = check_int('origins', origins, 1)
    stride = check_int('stride', stride or horizon, 1)
    forecasts, actual, scales, ids, at = {}, [], [], [], []
    skipped = {}
    lengths = collection.lengths
    for r in reversed(range(origins)):
        drop = horizon + r * stride
        usable = np.flatnonzero(lengths > drop)
        for i in np.flatnonzero(lengths <= drop):
            skipped.setdefault(collection.ids[i], '{} rows: none left before '
                               'the {} held out'.format(lengths[i], drop))
        if not len(usable):
            continue
        part = collection.select(usable)
        history = part.head(drop)
        rows = _ranges_after(part.offsets, part.lengths - drop, horizon)
        actual.append(part.values[rows].reshape(
            len(usable), horizon, -1).transpose(1, 0, 2))
        known = None
        if forecaster.inputs.width:
            # The inputs of the held-out rows are known: the data's own.
            known = forecaster.inputs.rows(part)[rows].reshape(
                len(usable), horizon, -1).transpose(1, 0, 2)
        network = forecaster._network(history, horizon, known)
        baselines = {name: baseline_collection(name, history, horizon,
                                               s.period)
                     for name in BASELINES}
        parts = {'model': combination.mix(network, baselines,
                                          forecaster.combination)}
        if forecaster.combination:
            parts[combination.NETWORK] = network
        parts.update(baselines)
        for name, f in parts.items():
            forecasts.setdefault(name, []).append(f)
        scales.append(history_scale(history, s.period))
        ids.append(part.ids)
        at.append(history.lengths)
    if not actual:
        raise ValueError('no series is longer than {} rows: nothing to '
                         'backtest'.format(horizon))
    return CollectionBacktest(
        {k: np.concatenate(v, axis=1) for k, v in forecasts.items()},
        np.concatenate(actual, axis=1), np.concatenate(scales),
        np.concatenate(ids), np.concatenate(at), list(collection.columns),
        skipped)


def _ranges_after(offsets, starts, horizon):
    """Rows ``offsets[i] + starts[i] + 0 .. horizon - 1``, series-major."""
    return (offsets[:-1] + starts)[:, None] + np.arange(horizon)[None, :]


def as_collection(data):
    """``data`` as a :class:`Collection`: a table's columns are its series.

    Args:
        data: A :class:`Collection`, or a DataFrame, Series or array.

    Returns:
        Collection: ``data`` itself, or the table's columns as series.

    Raises:
        ValueError: ``data`` is neither a collection nor a table.
    """
    if isinstance(data, Collection):
        return data
    if isinstance(data, (pd.DataFrame, pd.Series, np.ndarray)):
        return Collection.from_table(data)
    raise ValueError('a global model trains on a Collection (read_long, '
                     'from_long) or a table (DataFrame or array: its '
                     'columns as series), got {}'.format(type(data).__name__))


# One result type for one and many series (its name before 0.8).
GlobalResult = FitResult


def fit_global(collection: Collection | pd.DataFrame, *, refit: bool = True,
               out: str | None = None, device=-1, comm=None,
               log: Callable | None = None, report: str = 'none',
               source: dict | None = None, iterations: int | None = None,
               init='pretrained', **overrides) -> FitResult:
    """Trains one network across every series of a collection.

    The last ``horizon`` rows of every series are held out: the ensemble
    trains on the rest, forecasts them (beside naive, seasonal naive and
    Theta), chooses the combination with Theta and calibrates intervals
    on them; with ``refit=True`` the validated members then go on training
    on all rows for a third of their updates (:func:`refit_settings`).

    Args:
        collection (Collection): The series (:func:`from_long`); a table
            (DataFrame or 2-D array) is a collection of its columns
            (:meth:`Collection.from_table`): one series gets the
            pretrained network fine-tuned on it.
        refit (bool): Train the final model on all rows.
        out (str): Directory for the model (``model.npz``, ``model.json``,
            the per-series table ``series.csv``; the refit in ``refit/``).
            Default: nothing saved.
        device: Device specifier (``-1``: CPU).
        comm: ChainerMN communicator: each process draws windows from its
            own shard of whole series; rank 0 validates and saves.
        log (callable): Receives lines about the run.
        report (str): ``none`` or ``lines`` (one line per tenth of the
            epochs).
        source (dict): Where the data came from (``path``, ``sha256``,
            ...), kept in the record beside its column names.
        iterations (int): Updates to aim for when ``epochs`` is not given
            (default :data:`ITERATIONS`: 1,000 from scratch, 300
            fine-tuned; the ensemble :data:`ENSEMBLE`: 3 and 2).
        init: ``pretrained`` (default: fine-tune the shipped network,
            or ``$LSTM_CHAINER_PRETRAINED``'s, where the collection has one
            target and no inputs and the sizes are not set otherwise;
            else from scratch, a note says why), ``scratch``, a
            directory of pretrained weights or a :class:`GlobalForecaster`.
        **overrides: :class:`GlobalSettings` fields (``horizon``,
            ``season``, ``context``, ``n_units``, ``ensemble``, ...).

    Returns:
        FitResult: The forecaster, its validation, settings, intervals
        and how the settings were chosen.
    """
    if log is not None and not callable(log):
        raise ValueError('log receives the run\'s lines (a callable), got {!r};'
                         ' the log transform is log_transform='.format(log))
    log = log or (lambda text: None)
    collection = as_collection(collection)
    notes = []
    start, why = initial_model(init, collection, overrides)
    if start is not None:
        # Its sizes, preparation and loss: the outputs it learnt.
        for name in ('n_units', 'n_layers', 'loss') + PREPARATION:
            overrides.setdefault(name, getattr(start.settings, name))
        notes.append('fine-tuned from {} ({} units)'.format(
            start.meta.get('pretrained', {}).get('name', 'the pretrained '
                                                 'network'),
            start.settings.n_units))
    elif why:
        notes.append('trained from scratch: ' + why)
    if iterations is None:
        iterations = ITERATIONS[start is not None]
    overrides.setdefault('ensemble', ENSEMBLE[start is not None])
    settings = global_settings(collection, iterations=iterations,
                               **overrides)
    s = settings
    short = collection.lengths <= s.horizon
    if short.any():
        notes.append('{} series have {} rows or fewer: they are forecast '
                     'from what they have but not validated'.format(
                         int(short.sum()), s.horizon))
    log('{} series, {} rows; season {}, horizon {}, context {}; {} x {} '
        'epochs of {} windows'.format(
            len(collection), len(collection.values), s.season or 'none',
            s.horizon,
            s.context, s.ensemble, s.epochs, s.batch_size))
    fit_inputs(collection, s.static, s.calendar, s.covariates)  # checks
    if out is not None:
        _check_resumable(out, s)
    train = collection.head(s.horizon)
    data = {'id_column': collection.id_name,
            'time_column': collection.time_name,
            'columns': list(collection.columns), 'series': len(collection),
            'rows': int(len(collection.values)), **(source or {})}
    with contextlib.nullcontext(out) if out is not None else \
            tempfile.TemporaryDirectory(prefix='lstm_chainer-') as directory, \
            training_threads(s.n_units, get_device(device)):
        validated, trainers = train_global(train, s, directory, device,
                                           comm, report, init=start)
        validated.meta['data'] = data
        result = FitResult(validated, validated, None, s, {},
                           resolution_of(s, collection, overrides, notes),
                           notes, trainers)
        if comm is None or comm.rank == 0:
            _validate(result, collection, out, log)
            result.intervals = validated.half_widths
        if refit:
            where = os.path.join(directory, REFIT_DIR)
            final, more = train_global(collection, refit_settings(s), where,
                                       device, comm, report, init=validated)
            final.meta = dict(validated.meta, refit=None)
            result.forecaster = final
            result.trainers += more
            if out is not None and (comm is None or comm.rank == 0):
                final.save(where)
                validated.meta['refit'] = REFIT_DIR
                validated.save(out)
    return result


def refit_settings(settings):
    """The refit's settings: it continues every validated member on all
    rows for :data:`REFIT_SHARE` of the validation run's epochs."""
    return dataclasses.replace(settings, epochs=max(
        1, int(round(settings.epochs * REFIT_SHARE))))


# The refit continues the validated members (measured in
# benchmarks/experiments/refit.md) rather than training them again.
REFIT_SHARE = 1 / 3
# Updates from scratch and fine-tuned: on all of M3 (leave-M3-out weights)
# 300 fine-tuned scored sMAPE 12.22 in 78 CPU s, 1,000 from scratch 12.25
# in 152 s (benchmarks/zero_shot.py --scratch --finetune).
ITERATIONS = {False: 1000, True: 300}
# Members from scratch and fine-tuned: members fine-tuned from one network
# differ less, and two of them scored as three on M3 (12.22, MASE 1.357)
# in 81 CPU s against 121 (benchmarks/experiments/refit.md).
ENSEMBLE = {False: 3, True: 2}
# Settings a pretrained network's inputs depend on: fine-tuning keeps them.
PREPARATION = ('normalise', 'deseasonalise', 'log_transform')


def initial_model(init, collection, given):
    """The network :func:`fit_global` starts from.

    Returns:
        tuple: ``(model, why)``: the pretrained :class:`GlobalForecaster`
        or ``None``, and why not (``None`` where none was asked for).
    """
    from lstm_chainer.forecasting.models.pretrained import (
        PACKAGE_DIR,
        PATH_VARIABLE,
        default_pretrained,
        pretrained,
    )
    if init is None or (isinstance(init, str) and init == 'scratch'):
        return None, None
    if isinstance(init, GlobalForecaster):
        model = init
    elif isinstance(init, str) and init == 'pretrained':
        model = default_pretrained()
        if model is None:  # a checkout without the weights
            return None, 'no pretrained weights in {} (nor ${})'.format(
                PACKAGE_DIR, PATH_VARIABLE)
    elif isinstance(init, str):
        model = pretrained(init)
    else:
        raise ValueError("init must be 'pretrained', 'scratch', a directory "
                         "or a GlobalForecaster, got {!r}".format(init))
    m = model.settings
    if len(collection.columns) != 1:
        return None, 'the pretrained network forecasts one target, the ' \
            'collection has {}'.format(len(collection.columns))
    inputs = [n for n in ('static', 'calendar', 'covariates')
              if given.get(n)]
    if inputs:
        return None, 'the pretrained network reads no {}'.format(
            ' or '.join(inputs))
    for name in ('n_units', 'n_layers'):
        if given.get(name, getattr(m, name)) != getattr(m, name):
            return None, '{} {} is not the pretrained network\'s {}'.format(
                name, given[name], getattr(m, name))
    for name in PREPARATION:
        if name in given and given[name] != getattr(m, name):
            return None, '{}={!r} prepares the series otherwise than the ' \
                'pretrained network learnt'.format(name, given[name])
    return model, None


def resolution_of(settings, collection, given, notes):
    """How the settings were chosen (as :func:`fit_auto`'s resolution
    says it for one table)."""
    because = None
    if settings.season is None:
        because = 'no season given' if given.get('season') is not None \
            else 'no seasonal time step'
    return Resolution(settings, None, None, because, notes)


def _check_resumable(out, settings):
    """Refuses an output directory that holds another model (training
    there would resume its snapshots)."""
    path = os.path.join(out, META_FILE)
    if not os.path.isfile(path):
        return
    if not is_global(out):
        raise ValueError('{} holds a single-series model; use another output '
                         'directory'.format(out))
    with open(path) as f:
        before = json.load(f).get('settings') or {}
    try:  # in today's words (an older record's season 1, members, ...)
        before = GlobalSettings.from_dict(before).to_dict()
    except (TypeError, ValueError):
        pass
    now = settings.to_dict()
    changed = ['{} {} (now {})'.format(k, before[k], now[k]) for k in now
               if k in before and before[k] != now[k]]
    if changed:
        raise ValueError('{} holds a global model trained with {}; use '
                         'another output directory'.format(
                             out, ', '.join(changed)))


def train_global(collection, settings, out, device=-1, comm=None,
                 report='none', seasons=None, init=None):
    """Trains the ensemble on every series' rows.

    Args:
        seasons: ``(S,)`` each series' own season (a corpus of many time
            steps; default: the settings' season for all).
        init (GlobalForecaster): Start every member from this model's
            first network (fine-tuning; its ``sigma`` is kept).

    Returns:
        tuple: ``(forecaster, trainers)``.
    """
    from lstm_chainer.training.trainer import trainer_for_iterator
    s = settings
    prep = fit_prep(collection.values, collection.offsets,
                    s.period if seasons is None else seasons,
                    s.normalise, s.deseasonalise, s.log_transform)
    z = prep.transform(collection.values, collection.offsets)
    encoder = fit_inputs(collection, s.static, s.calendar, s.covariates)
    inputs = encoder.rows(collection) if encoder.width else None
    group = distributed.process_group(comm)
    shard = None if comm is None else (comm.rank, comm.size)
    # Scaled windows are scale-free: a common scale would cancel.
    sigma = init.sigma if init is not None else 1.0 \
        if s.normalise == 'scaled' else _window_scale(z, collection.offsets, s)
    members, trainers = [], []
    for k in range(s.ensemble):
        seed = s.seed + 1000 * k
        iterator = CollectionIterator(
            z / sigma, collection.offsets, s.batch_size, s.context,
            s.horizon, s.sampling, s.normalise != 'series',
            seed=distributed.rank_seed(seed, group.rank) if comm is not None
            else seed, shard=shard, score_horizon=s.score_horizon,
            inputs=inputs,
            scale_floor=SCALE_FLOOR if s.normalise == 'scaled' else None)
        trainer = trainer_for_iterator(
            iterator, s.n_units, group, device=device,
            support_len=iterator.support_len,
            out=out if k == 0 else os.path.join(out, 'member{}'.format(k)),
            snap=max(10, s.epochs // 10), epoch=s.epochs, seed=seed,
            n_layers=s.n_layers, plot=False, lossfun=LOSSES[s.loss],
            grad_clip=s.grad_clip, optimizer=FlatAdam(alpha=s.alpha),
            epoch_lines=max(1, s.epochs // 10) if report == 'lines'
            else None,
            line_prefix='member {}/{}  '.format(k + 1, s.ensemble)
            if s.ensemble > 1 else '')
        if s.schedule == 'linear':
            trainer.extend(linear_decay(s.epochs, s.alpha))
        if init is not None and trainer.updater.iteration == 0:
            trainer.updater.predictor.copyparams(
                init.members[k % len(init.members)])
        trainer.run(show_loop_exception_msg=False)
        model = trainer.updater.predictor.copy(mode='copy')
        model.to_device('@numpy')
        members.append(model)
        trainers.append(trainer)
    return GlobalForecaster(members, s, sigma, inputs=encoder), trainers


def _window_scale(z, offsets, s, draws=4096):
    """The root mean square of prepared windows (their common scale)."""
    iterator = CollectionIterator(z, offsets, draws, s.context, s.horizon,
                                  'windows', s.normalise == 'window', seed=0)
    xs, ts = iterator.next()
    rms = float(np.sqrt(np.mean(np.square(ts.astype(np.float64)))))
    return rms if rms > 1e-12 else 1.0


def _validate(result, collection, out, log):
    """Backtests the validated model on every series' last horizon;
    chooses the combination, calibrates the intervals, saves."""
    forecaster = result.validated
    s = result.settings
    bt = backtest_collection(forecaster, collection, s.horizon)
    for note in calibrate(forecaster, bt, s.combine, s.levels):
        log('note: ' + note)
        result.notes.append(note)
    forecaster.meta['notes'] = result.notes
    result.backtest = bt
    if out is not None:
        os.makedirs(out, exist_ok=True)
        forecaster.save(out)
        bt.table().to_csv(os.path.join(out, SERIES_FILE), index=False,
                          float_format='%.6g')


def calibrate(forecaster, bt, combine='auto', levels=(0.8, 0.95)):
    """Chooses the forecaster's partners and calibrates its intervals on a
    backtest of its network (``bt``, from
    :func:`backtest_collection` with no combination yet); both are
    written into ``forecaster.meta`` and ``bt`` then scores the forecast.

    Returns:
        list: Notes on what was chosen and what could not be calibrated.
    """
    notes = []
    network = bt.forecasts['model']
    weights, name, scores, chosen = _choose(network, bt, combine)
    forecaster.meta['combination'] = weights or None
    if weights:
        bt.forecasts = {'model': combination.mix(network, bt.forecasts,
                                                 weights),
                        combination.NETWORK: network,
                        **{k: v for k, v in bt.forecasts.items()
                           if k != 'model'}}
    if scores:
        note = 'the forecast is {}: chosen on the validation (the mean of ' \
            'the network and damped ES unless another is significantly ' \
            'better); validation MASE: {}'.format(
                combination.describe(weights), ', '.join(
                    '{} {:.3g}'.format(combination.describe(
                        CANDIDATES[k]), score)
                    for k, score in scores.items()))
        notes.append(note + combination.guard_note(chosen, name, scores))
    # One table's rule (split conformal per step) on errors in MASE units,
    # pooled over series, origins and targets.
    errors = (bt.forecasts['model'] - bt.actual) / bt.scale[None]
    half = {repr(float(level)): h[:, 0].tolist()
            for level, h in conformal_quantiles(
                errors.reshape(len(errors), -1, 1), levels).items()
            if np.isfinite(h).all()}
    if len(half) < len(levels):
        notes.append('too few series ({}) to calibrate {} intervals: '
                     'left out'.format(len(set(bt.ids)), ', '.join(
                         '{:g} %'.format(100 * v) for v in levels
                         if repr(float(v)) not in half)))
    summary = bt.summary()
    forecaster.meta.update(
        intervals={'levels': sorted(float(k) for k in half),
                   'half_widths': half,
                   'units': 'MASE scale per series'},
        validation={'series': int(len(set(bt.ids))),
                    'skipped': len(bt.skipped),
                    'summary': json.loads(summary.to_json(orient='index'))})
    return notes


# A single method replaces the mean of the network and Theta only when
# its validation MASE is lower by more than this many standard errors of
# the paired per-series difference (a 5 % two-sided test): the mean is
# the robust choice where the two are not told apart.
SIGNIFICANT = 1.96


def _choose(network, bt, choice):
    """The partners' weights on the validation (mean MASE over series):
    :data:`AUTO`'s first unless another is better by a significant
    margin, and a baseline where that scores clearly worse
    (:func:`~lstm_chainer.forecasting.combination.guard`).

    Returns:
        tuple: ``(weights, name, scores, chosen)``; ``chosen`` is the
        choice before the guard.
    """
    if choice != 'auto':
        return dict(CANDIDATES[choice]), choice, {}, choice
    per_series = {}
    for name in AUTO + combination.FALLBACKS:
        f = combination.mix(network, bt.forecasts, CANDIDATES[name])
        per_series[name] = (np.abs(f - bt.actual).mean(0)
                            / bt.scale).mean(1)
    scores = {name: float(v.mean()) for name, v in per_series.items()}
    chosen = significantly_best({name: per_series[name] for name in AUTO},
                                default=AUTO[0])
    origins = len(bt.ids) // max(len(set(bt.ids)), 1)
    best = combination.guard(chosen, scores, combination.windows(
        len(set(bt.ids)), origins, bt.actual.shape[0]))
    return dict(CANDIDATES[best]), best, scores, chosen


def significantly_best(per_series, default='mean'):
    """The candidate of least mean error, or ``default`` unless that one
    beats it by :data:`SIGNIFICANT` standard errors of the paired
    per-series differences.

    Args:
        per_series (dict): Name -> ``(series,)`` errors (ties: the first).
    """
    means = {name: float(np.mean(v)) for name, v in per_series.items()}
    best = min(means, key=means.get)
    if best == default:
        return best
    gain = np.asarray(per_series[default]) - np.asarray(per_series[best])
    error = gain.std(ddof=1) / np.sqrt(len(gain)) if len(gain) > 1 \
        else np.inf
    return best if gain.mean() > SIGNIFICANT * error else default
