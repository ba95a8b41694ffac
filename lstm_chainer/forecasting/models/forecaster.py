"""A trained model in data units, and saving/loading it with its record."""
from __future__ import annotations

import os

import chainer
import chainer.functions as F
import numpy as np
import pandas as pd

from lstm_chainer._checks import check_int
from lstm_chainer._io import load_npz
from lstm_chainer.core.model import Model
from lstm_chainer.core.recursion import rollout, rollout_origins
from lstm_chainer.forecasting import combination
from lstm_chainer.forecasting.classical.regression import regression_forecasts
from lstm_chainer.forecasting.models.global_model import is_global, load_global
from lstm_chainer.forecasting.preprocessing.pipeline import Pipeline
from lstm_chainer.forecasting.preprocessing.scaling import Scaler
from lstm_chainer.forecasting.preprocessing.transforms import Transformer
from lstm_chainer.forecasting.saved import MODEL_FILE, SavedModel
from lstm_chainer.forecasting.settings import AutoSettings


class Forecaster(chainer.Chain):
    """A :class:`Model` trained on transformed, standardised data, used in
    data units.

    :func:`valid`, :func:`pred`, :func:`forecast` and :func:`backtest` take
    it like any one-step model: its :meth:`rollout` and
    :meth:`rollout_origins` transform and standardise the inputs, run the
    inner model, and turn its outputs back into data units (rebuilding
    levels from the last values known when a column is differenced).

    Args:
        model (Model): The network, trained on ``scaler``-standardised,
            ``transformer``-transformed data; or a list of such networks
            (an ensemble: their forecasts are averaged).
        scaler (Scaler): Statistics of the transformed training data.
        pred (int): Target offset the model was trained for.
        meta (dict): Anything else worth keeping (see :func:`save_model`).
        transformer (Transformer): Per-column transforms (default none).
        calendar (list): Calendar features the network reads as covariates
            (:mod:`lstm_chainer.forecasting.preprocessing.calendar_features`);
            the scaler then covers the targets, the covariates and these
            features, in that order.
        covariates (list): Data columns the network reads but does not
            forecast (their future values must be given to forecast).
        lead (int): The step that reads row ``t`` reads the covariates of
            row ``t + lead``: ``pred`` (the row it predicts: a known driver
            is seen when it acts) for models trained since 0.8, 0 before.
    """

    def __init__(self, model, scaler, pred=1, meta=None, transformer=None,
                 calendar=None, covariates=None, lead=0):
        super().__init__()
        models = list(model) if isinstance(model, (list, tuple,
                                                    chainer.ChainList)) \
            else [model]
        with self.init_scope():
            self.members = chainer.ChainList(*models)
        self.pred = pred
        self.meta = dict(meta or {})
        self.record = None  # the SavedModel, once saved or loaded
        self.context = None  # rows of history a forecast warms up on
        self.settings = None  # the AutoSettings of fit_auto's run
        self.covariates = list(covariates or [])
        self.lead = int(lead) if self.covariates else 0
        self.n_output = models[0].n_output
        if transformer is None:
            transformer = Transformer(
                ['none'] * self.n_output, columns=None if scaler.columns is None
                else scaler.columns[:self.n_output])
        if not transformer.is_identity and pred != 1:
            raise ValueError('transforms need pred=1 (got pred={})'.format(
                pred))
        self.pipeline = Pipeline(transformer, scaler, self.n_output, calendar)

    @property
    def scaler(self):
        """Scaler: The standardisation of the network's inputs."""
        return self.pipeline.scaler

    @property
    def transformer(self):
        """Transformer: The targets' reversible transforms."""
        return self.pipeline.transformer

    @property
    def calendar(self):
        """list: Calendar features the network reads."""
        return self.pipeline.calendar

    @property
    def data_columns(self):
        """list: The columns data must have: targets, then covariates."""
        if self.columns is None:
            return None
        return self.columns + self.covariates

    @property
    def half_widths(self):
        """dict: Level -> ``(H, n)`` conformal half-widths calibrated by
        :func:`fit_auto` (or ``lstm-chainer train``) and saved with the
        model (empty if it has none)."""
        saved = (self.meta.get('intervals') or {}).get('half_widths') or {}
        return {float(level): np.asarray(half, dtype=np.float64)
                for level, half in saved.items()}

    @property
    def combination(self):
        """dict: Weights of the classical forecasts mixed into the
        network's (``{'theta': 0.5}``, ``{'damped': 0.5}``; empty: the
        network alone), chosen by
        :func:`fit_auto` (:mod:`~lstm_chainer.forecasting.combination`)."""
        return dict(self.meta.get('combination') or {})

    @property
    def season(self):
        """int: The season its run had (what Theta deseasonalises by)."""
        if self.settings is not None:
            return self.settings.season
        return (self.meta.get('backtest') or {}).get('season')

    def partners(self, series, origins, horizon):
        """The combination's classical forecasts from every origin, by
        name (``{}`` without a combination).

        Args:
            series: ``(T, >= n_output)`` data units, targets first, then
                the covariates (a regression on them reads their rows up
                to the last origin plus ``horizon``).
            origins: Origins (the history of ``o`` is rows ``<= o``).
            horizon (int): Steps.
        """
        series = np.asarray(series, dtype=np.float64)
        return {name: partner_forecasts(
            name, series[:, :self.n_output + len(self.covariates)],
            origins, horizon, self.season, self.n_output)
            for name in self.combination}

    @property
    def floor(self):
        """list: Per target, the least value an interval bound takes (0
        for a series never negative in training, else ``None``)."""
        return (self.meta.get('intervals') or {}).get('floor')

    @property
    def model(self):
        """Model: The (first) network."""
        return self.members[0]

    def _mean(self, run):
        """``run(network)`` averaged over the members."""
        outputs = [run(network) for network in self.members]
        return outputs[0] if len(outputs) == 1 else sum(outputs) / len(
            outputs)

    @property
    def unit_scale(self):
        """Per-variable scale for pooling variables (``None``: data units)."""
        return self.scaler.scale[:self.n_output] \
            if self.transformer.is_identity else None

    @property
    def lag(self):
        """int: Rows of history the transforms need before a forecast."""
        return self.transformer.lag

    def prepare(self, data):
        """The data with the calendar features appended (a DataFrame with a
        DatetimeIndex; unchanged without calendar features)."""
        return self.pipeline.with_calendar(data)

    def _to_model(self, a):
        """Data units (float64, CPU) -> model inputs on the device."""
        z = self.pipeline.transform(a)
        return self.model.device.send(z.astype(np.float32))

    def _from_model(self, y):
        """Model outputs -> transformed data units (float64, CPU)."""
        return self.pipeline.inverse_scaling(
            chainer.backend.CpuDevice().send(y))

    def led(self, a):
        """Data units ``(T, ..., n)`` whose covariate columns at row ``t``
        hold row ``t + lead``'s (the last ``lead`` rows keep their own: no
        step reads them)."""
        return lead_covariates(a, self.n_output, len(self.covariates),
                               self.lead)

    def rollout(self, xs, n_steps, support_len, fused=None):
        """:func:`~lstm_chainer.core.recursion.rollout` in data units.

        With differencing transforms the first :attr:`lag` outputs are NaN
        (their inputs cannot be transformed) and ``support_len`` must be at
        least :attr:`lag`.

        Args:
            xs: Inputs ``(steps, batch, n)`` in data units.
            n_steps (int): Steps to run.
            support_len (int): Last step fed with ground truth.
            fused (bool): Path of the inner model.

        Returns:
            array: Outputs ``(n_steps, batch, n)`` in data units.
        """
        device = self.model.device
        lag = self.lag
        if support_len < lag:
            raise ValueError(
                'the transforms ({}) need {} known value(s) before the first '
                'forecast: use s >= {} (got {})'.format(
                    self.transformer.describe(), lag, lag, support_len))
        # Data units stay float64 on the CPU: only standardised values are
        # cast for the network (1e8 + small changes keeps its changes).
        xs = self.led(chainer.backend.CpuDevice().send(xs).astype(np.float64))
        # Calendar features are read at every step; targets up to s.
        n_truth = n_steps if xs.shape[-1] > self.n_output \
            else min(support_len + 1, n_steps)
        z = self._to_model(xs[:n_truth])[lag:]
        ys = self._from_model(self._mean(lambda net: rollout(
            net, z, n_steps - lag, support_len - lag, fused=fused)))
        xs = xs[..., :self.n_output]
        if lag == 0:  # elementwise transforms (none, log)
            return device.send(self.pipeline.inverse(ys, xs[:0]))
        out = np.full((n_steps,) + xs.shape[1:], np.nan)
        # Outputs lag .. s-1 forecast known rows: each from the truth before.
        known = np.arange(lag, min(support_len, n_steps))
        if len(known):
            past = xs[known[:, None] + np.arange(1 - lag, 1)[None, :]]
            past = np.moveaxis(past, 1, 0).reshape((lag, -1) + xs.shape[2:])
            one = ys[known - lag].reshape((1, -1) + xs.shape[2:])
            out[known] = self.pipeline.inverse(one, past).reshape(
                (len(known),) + xs.shape[1:])
        if support_len < n_steps:
            out[support_len:] = self.pipeline.inverse(
                ys[support_len - lag:],
                xs[support_len + 1 - lag:support_len + 1])
        return device.send(out)

    def rollout_origins(self, series, origins, horizon, context=None,
                        fused=None):
        """:func:`~lstm_chainer.core.recursion.rollout_origins` in data units."""
        series = self.led(
            chainer.backend.CpuDevice().send(series).astype(np.float64))
        origins = np.asarray(origins, dtype=np.int64)
        lag = self.lag
        if len(origins) and origins[0] < lag:
            raise ValueError('origin {} has too little history for the '
                             'transforms ({} rows needed)'.format(
                                 origins[0], lag + 1))
        z = self._to_model(series)[lag:]
        ys = self._from_model(self._mean(lambda net: rollout_origins(
            net, z, origins - lag, horizon, context, fused)))
        series = series[:, :self.n_output]
        if lag == 0:
            return self.pipeline.inverse(ys, series[:0, None])
        past = series[origins[None, :] + np.arange(1 - lag, 1)[:, None]]
        return self.pipeline.inverse(ys, past)

    @property
    def columns(self):
        """list: Names of the variables it forecasts, in model order."""
        if self.scaler.columns is None:
            return None
        return self.scaler.columns[:self.n_output]

    def reset_state(self):
        """Forgets the LSTM memory."""
        for network in self.members:
            network.reset_state()

    def forward(self, x):
        """One step in data units: ``(batch, n) -> (batch, n)``.

        Only without transforms (a difference needs the previous row);
        :meth:`rollout` handles every case.
        """
        if not self.transformer.is_identity:
            raise ValueError('a Forecaster with transforms runs through '
                             'rollout(), not one step at a time')
        shape, dtype = x.shape, x.dtype
        with np.errstate(over='ignore'):
            mean = F.broadcast_to(self.xp.asarray(self.scaler.mean, dtype),
                                  shape)
            scale = F.broadcast_to(self.xp.asarray(self.scaler.scale, dtype),
                                   shape)
        z = (x - mean) / scale
        return self._mean(lambda net: net(z)) * scale + mean


def save_model(directory: str, forecaster: Forecaster, **meta) -> None:
    """Writes ``model.npz`` (parameters) and ``model.json`` (the rest).

    Both files are replaced atomically, so a crash never leaves a half
    written model behind.

    Args:
        directory (str): Destination (created if missing).
        forecaster (Forecaster): What to save (with what its ``meta``
            holds: the settings, context and intervals of :func:`fit_auto`).
        **meta: Further entries of :class:`~lstm_chainer.forecasting.saved.SavedModel`
            (``columns``, ``seq_len``, ``data``, ...) or any other
            JSON-serialisable ones.
    """
    record = describe_model(forecaster, **meta)
    record.save(directory, forecaster.model if len(forecaster.members) == 1
                else forecaster.members)


def describe_model(forecaster: Forecaster, **meta) -> SavedModel:
    """The record :func:`save_model` writes, without writing it; it
    becomes the forecaster's ``record`` (and its JSON ``meta``).

    Args:
        forecaster (Forecaster): The model.
        **meta: Entries beside (or over) its ``meta``.

    Returns:
        SavedModel: The record.
    """
    info = dict(forecaster.meta)
    info.update(meta)
    known = {k: info.pop(k) for k in SavedModel.keys() if k in info}
    for key in SavedModel._VERSIONS:
        info.pop(key, None)
    known.update(model=forecaster.model.config(),
                 members=len(forecaster.members),
                 scaler=forecaster.scaler.to_dict(), pred=forecaster.pred,
                 transforms=forecaster.transformer.to_dict(),
                 calendar=forecaster.calendar or None,
                 covariates=forecaster.covariates or None,
                 covariates_lead=forecaster.lead or None)
    record = SavedModel(extra=info, **known)
    forecaster.meta = record.to_json()
    forecaster.record = record
    return record


def load_model(directory: str, refit: bool = False) -> Forecaster:
    """Loads any model the library saved: what :func:`save_model` wrote,
    or a global model (:func:`~lstm_chainer.forecasting.models.global_model.
    load_global`).

    Args:
        directory (str): Directory with ``model.npz`` and ``model.json``.
        refit (bool): Load the model refitted on all rows instead, where
            the directory has one (``fit_auto(refit=True)``).

    Returns:
        Forecaster: The model in data units; ``record`` is its
        :class:`~lstm_chainer.forecasting.saved.SavedModel`, ``meta`` the
        JSON and ``settings`` the :class:`AutoSettings` it was trained
        with (``None`` for a model set up by hand or saved before 0.3).
        A :class:`~lstm_chainer.forecasting.models.global_model.GlobalForecaster`
        for a global model.
    """
    if is_global(directory):
        return load_global(directory, refit=refit)
    record = SavedModel.read(directory)
    if refit and record.refit:
        return load_model(os.path.join(directory, record.refit.dir))
    models = [Model.from_config(record.model) for _ in range(record.members)]
    model = models[0] if len(models) == 1 else chainer.ChainList(*models)
    path = os.path.join(directory, MODEL_FILE)
    if not os.path.isfile(path):
        raise ValueError('{} holds no model parameters ({} is missing)'
                         .format(directory, MODEL_FILE))
    load_npz(path, model, '{path} is truncated or corrupted ({error})')
    transformer = None if record.transforms is None \
        else Transformer.from_dict(record.transforms)
    forecaster = Forecaster(models, Scaler.from_dict(record.scaler),
                            pred=record.pred, meta=record.to_json(),
                            transformer=transformer,
                            calendar=record.calendar,
                            covariates=record.covariates,
                            lead=record.covariates_lead or 0)
    forecaster.record = record
    forecaster.context = record.backtest.context
    if record.settings is not None:
        forecaster.settings = AutoSettings.from_dict(record.settings)
    return forecaster


def partner_forecasts(name, rows, origins, horizon, season, n_targets):
    """A partner's forecasts from every origin, ``(horizon, B, n_targets)``.

    Args:
        name (str): A partner (:data:`~lstm_chainer.forecasting.
            combination.PARTNER_FORECASTS` or the regression on the
            covariates).
        rows: ``(T, n_targets + covariates)``, targets first.
        origins, horizon, season: As the partners take them.
        n_targets (int): The targets' columns.
    """
    if name in combination.COVARIATE_PARTNERS:
        return regression_forecasts(rows, origins, horizon, season,
                                    n_targets)
    return combination.PARTNER_FORECASTS[name](rows[:, :n_targets], origins,
                                               horizon, season)


def check_covariates(names, data):
    """The covariate columns, checked against the data's.

    Returns:
        list: The names (a column must be left to forecast).
    """
    names = list(names or [])
    unknown = [c for c in names if c not in data.columns]
    if unknown:
        raise ValueError('unknown covariate column(s) {} (the data has {})'
                         .format(', '.join(map(repr, unknown)),
                                 ', '.join(map(repr, data.columns))))
    if len(set(names)) >= len(data.columns):
        raise ValueError('every column is a covariate: nothing to forecast')
    return names


def fit_forecaster(train, n_units: int = 100, transformer=None, test=None,
                   members: int = 1, calendar=None, covariates=None,
                   **kwargs):
    """Trains a :class:`Forecaster`: transforms, standardises, trains.

    The transforms and the standardisation are fitted on ``train`` alone;
    the network is trained by :func:`get_trainer` on the result. With
    ``members > 1`` as many networks are trained from different seeds (an
    ensemble): their forecasts are averaged, which makes them steadier.

    Args:
        train (pandas.DataFrame): Training rows in data units.
        n_units (int): Hidden units.
        transformer (Transformer): Per-column transforms (default none).
        test (pandas.DataFrame): Rows after ``train`` for the Trainer's
            recursive validation (optional).
        members (int): Networks in the ensemble. Member ``k > 0`` is
            seeded ``seed + 1000 k`` and trains into ``out/member<k>``.
        calendar (list): Calendar features of the time index the networks
            read as covariates (e.g. ``['month']``; needs a DatetimeIndex).
            Forecasts compute them for any time, past or future.
        covariates (list): Columns of ``train`` the networks read but do
            not forecast (known in advance: planned prices, holidays);
            forecasts need their future values. ``transformer`` covers the
            other columns.
        **kwargs: Further :func:`get_trainer` arguments (``out``,
            ``epoch``, ``seq_len``, ``support_len``, ``seed``, ...).

    Returns:
        tuple: ``(forecaster, trainers)``: the forecaster (networks copied
        to the CPU) and each member's trainer, after ``run()``.
    """
    from lstm_chainer.training.trainer import get_trainer
    members = check_int('members', members, 1)
    covariates = check_covariates(covariates, train)
    columns = [c for c in train.columns if c not in covariates]
    train = train[columns + covariates]
    if transformer is None:
        transformer = Transformer(['none'] * len(columns), columns=columns)
    calendar = list(calendar or [])
    pipeline = Pipeline.fit(train, transformer, len(columns), calendar)
    # The covariates of the row each step predicts (known ahead).
    lead = kwargs.get('pred', 1) if covariates else 0
    def led(frame):
        return pd.DataFrame(lead_covariates(
            frame.to_numpy(), len(columns), len(covariates), lead),
            index=frame.index, columns=frame.columns)
    z = led(pipeline.transform_frame(train)).iloc[transformer.lag:]
    if test is not None:
        test = led(pipeline.transform_frame(pd.concat(
            [train, test[columns + covariates]]))).iloc[len(train):]
    n_extra = z.shape[1] - len(columns)
    models, trainers = [], []
    seed, out = kwargs.pop('seed', None), kwargs.pop('out', 'result')
    prefix = kwargs.pop('line_prefix', '')
    for k in range(members):
        if members > 1:
            kwargs['line_prefix'] = 'member {}/{}  {}'.format(k + 1, members,
                                                             prefix)
        trainer = get_trainer(
            z, n_units, test=test,
            seed=None if seed is None else seed + 1000 * k,
            out=out if k == 0 else os.path.join(out, 'member{}'.format(k)),
            covariates=n_extra, **kwargs)
        # The exception itself says what went wrong; Chainer would print
        # its traceback first.
        trainer.run(show_loop_exception_msg=False)
        model = trainer.updater.predictor.copy(mode='copy')
        model.to_device('@numpy')
        models.append(model)
        trainers.append(trainer)
    return Forecaster(models, pipeline.scaler, pred=kwargs.get('pred', 1),
                      transformer=transformer, calendar=calendar,
                      covariates=covariates, lead=lead), trainers


def lead_covariates(a, n_targets, n_covariates, lead):
    """``(T, ..., n)`` values whose covariate columns at row ``t`` hold row
    ``t + lead``'s (the last ``lead`` rows keep their own: no step reads
    them); ``a`` itself without covariates or lead."""
    if not lead or not n_covariates:
        return a
    out = np.array(a, copy=True)
    k = slice(n_targets, n_targets + n_covariates)
    out[:-lead, ..., k] = out[lead:, ..., k]
    return out
