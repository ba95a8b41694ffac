"""The saved-model record: the one owner of every key of ``model.json``."""
import dataclasses
import json
import os
from typing import Optional

import chainer
import numpy as np

from lstm_chainer._io import atomic_write, atomic_write_all
from lstm_chainer.forecasting.preprocessing import calendar_features
from lstm_chainer.forecasting.preprocessing.transforms import Transformer
from lstm_chainer.version import __version__

MODEL_FILE = 'model.npz'
META_FILE = 'model.json'
# Version 1: 0.1.0. Version 2 (0.2.0): transforms, backtest settings, the
# refit model. Version 3 (0.3.0): the run's settings. Version 4 (0.4.0):
# the forecast combination (a model an older reader would forecast
# without it). Version 5 (0.7.0): damped smoothing as a partner of the
# combination. Version 6 (0.8.0): naive, seasonal naive and the regression
# on the covariates as partners. Version 7 (0.8.0): one format for both
# kinds, a table's model (``"kind": "series"``) and a collection's
# (``"kind": "global"``, formats 1-3 before: 0.5, 0.6, 0.8.dev). Each
# change of the schema adds one; load reads every older version and
# refuses a newer one.
FORMAT = 7
SERIES, GLOBAL = 'series', 'global'
KINDS = (SERIES, GLOBAL)
# The partners a combination may weigh (combination.PARTNER_FORECASTS and
# the regression on the covariates); a global model's, its BASELINES.
PARTNERS = ('theta', 'damped', 'naive', 'seasonal_naive', 'regression',
            'pretrained')
ONE_TABLE_PARTNERS = ('regression', 'pretrained')


class _Section:
    """A part of the record, read as attributes or, as the JSON object it
    is saved as, with ``[key]`` and ``get`` (``None``: absent)."""

    @classmethod
    def from_dict(cls, state):
        """The section of a JSON object (unknown keys: TypeError)."""
        return state if isinstance(state, cls) else cls(**(state or {}))

    def __getitem__(self, key):
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key, default=None):
        value = getattr(self, key, None) \
            if key in self.__dataclass_fields__ else None
        return default if value is None else value

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass
class DataSource(_Section):
    """Where the training data came from and how it was split."""

    path: Optional[str] = None
    rows: Optional[int] = None
    test_size: Optional[float] = None
    test_rows: Optional[int] = None
    fill: Optional[str] = None
    sha256: Optional[str] = None
    reading: Optional[dict] = None


@dataclasses.dataclass
class TrainingRecord(_Section):
    """How the networks were trained."""

    epochs: Optional[int] = None
    batch_size: Optional[int] = None
    seed: Optional[int] = None
    members: Optional[int] = None
    iterations: Optional[int] = None


@dataclasses.dataclass
class BacktestRecord(_Section):
    """The validation backtest's settings and its summary."""

    season: Optional[int] = None
    horizon: Optional[int] = None
    context: Optional[int] = None
    stride: Optional[int] = None
    summary: Optional[dict] = None


@dataclasses.dataclass
class RefitRecord(_Section):
    """The model refitted on all rows: its directory (relative) and rows."""

    dir: str
    rows: int


@dataclasses.dataclass
class IntervalsRecord(_Section):
    """Conformal half-widths: level (as text) -> ``(horizon, variables)``."""

    levels: list = dataclasses.field(default_factory=list)
    origins: Optional[int] = None
    half_widths: dict = dataclasses.field(default_factory=dict)
    floor: Optional[list] = None  # per column: least bound (0) or None


# Sections saved as JSON objects, and their types.
_SECTIONS = {'data': DataSource, 'training': TrainingRecord,
             'backtest': BacktestRecord, 'refit': RefitRecord,
             'intervals': IntervalsRecord}


@dataclasses.dataclass
class SavedModel:
    """Everything ``model.json`` holds besides the parameters.

    Args:
        model (dict): :meth:`Model.config` of the network.
        members (int): Networks of that shape (an ensemble when > 1).
        scaler (dict): :meth:`Scaler.to_dict` of the standardisation.
        pred (int): Target offset.
        columns (list): Variable names, in model order.
        time_column (str): The CSV's time column, if any.
        freq (str): Time step of the time column.
        seq_len (int): Training window length.
        support_len: Last teacher-forced step of a training window.
        data (DataSource): The training data.
        training (TrainingRecord): Epochs, batch size, seed, iterations.
        transforms (dict): :meth:`Transformer.to_dict`, or ``None``.
        backtest (BacktestRecord): Settings of the validation backtest
            (season, horizon, context, stride) and its summary.
        refit (RefitRecord): The model refitted on all rows: its
            directory (relative to this one) and rows; ``None`` when there
            is none.
        intervals (IntervalsRecord): Conformal half-widths per level,
            horizon step and variable, from the backtest (``None``: none).
        calendar (list): Calendar features the network reads (``None``:
            none); the scaler covers the outputs, then these.
        covariates (list): Data columns read but not forecast.
        covariates_lead (int): The step reading row ``t`` reads the
            covariates of row ``t + lead`` (format 7; ``None``: 0, as
            before).
        settings (dict): :meth:`AutoSettings.to_dict` of the run that
            trained it (``None``: set by hand, or format < 3).
        combination (dict): Weights of the classical forecasts mixed into
            the network's (``{'theta': 0.5}``; ``None``: the network).
        extra (dict): Any other JSON entries (``save_model(**meta)``).
    """

    model: dict
    scaler: dict
    pred: int = 1
    members: int = 1
    columns: Optional[list] = None
    time_column: Optional[str] = None
    freq: Optional[str] = None
    seq_len: Optional[int] = None
    support_len: Optional[object] = None
    data: DataSource = dataclasses.field(default_factory=DataSource)
    training: TrainingRecord = dataclasses.field(
        default_factory=TrainingRecord)
    transforms: Optional[dict] = None
    backtest: BacktestRecord = dataclasses.field(
        default_factory=BacktestRecord)
    refit: Optional[RefitRecord] = None
    intervals: Optional[IntervalsRecord] = None
    calendar: Optional[list] = None
    covariates: Optional[list] = None
    covariates_lead: Optional[int] = None
    settings: Optional[dict] = None
    combination: Optional[dict] = None
    extra: dict = dataclasses.field(default_factory=dict)

    _VERSIONS = ('format', 'kind', 'lstm_chainer', 'chainer')

    def __post_init__(self):
        for key, section in _SECTIONS.items():
            value = getattr(self, key)
            if value is not None or key in ('data', 'training', 'backtest'):
                setattr(self, key, section.from_dict(value))

    @classmethod
    def keys(cls):
        """tuple: The keys of ``model.json`` this record owns."""
        return tuple(f.name for f in dataclasses.fields(cls)
                     if f.name != 'extra')

    def identity(self):
        """dict: What the saved model is, in the terms of
        :meth:`AutoSettings.identity` (keys an old record lacks are left
        out)."""
        found = {'columns': self.columns,
                 'covariates': list(self.covariates or []),
                 'n_units': self.model.get('n_units'),
                 'n_layers': self.model.get('n_layers'),
                 'residual': self.model.get('residual', False),
                 'pred': self.pred, 'calendar': list(self.calendar or []),
                 'ensemble': self.members}
        if self.transforms is not None:
            found['transforms'] = list(self.transforms.get('names', []))
        return found

    def to_json(self):
        """dict: The JSON document, with the format and versions."""
        doc = dict(self.extra)
        doc.update({key: getattr(self, key) for key in self.keys()})
        for key in _SECTIONS:
            if doc[key] is not None:
                doc[key] = doc[key].to_dict()
        doc.update({'format': FORMAT, 'kind': SERIES,
                    'lstm_chainer': __version__,
                    'chainer': chainer.__version__})
        return doc

    @classmethod
    def from_json(cls, doc, where='model.json'):
        """Checks a JSON document and builds the record.

        Args:
            doc (dict): Parsed ``model.json``.
            where (str): Name of the file, for messages.

        Returns:
            SavedModel: The record.
        """
        if check_doc(doc, where) != SERIES:
            raise ValueError('{} holds a global model (of many series): load '
                             'it with load_model'.format(where))
        try:
            fields = {key: doc[key] for key in cls.keys() if key in doc}
            fields['extra'] = {k: v for k, v in doc.items()
                               if k not in cls.keys() + cls._VERSIONS}
            record = cls(**fields)
            record._check()
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError('{} is corrupted or not a model description '
                             '({}: {})'.format(where, type(e).__name__, e)) \
                from e
        return record

    def _check(self):
        from lstm_chainer.core.model import Model
        from lstm_chainer.forecasting.preprocessing.scaling import Scaler
        config = dict(self.model)
        for key in ('n_input', 'n_output', 'n_units', 'n_layers'):
            _check_count('model.' + key, config[key])
        # Every field the commands read: present and of its kind.
        # A model saved by hand knows nothing of its data; one that was
        # trained on a split knows its rows.
        trained = self.data.path is not None or self.data.test_rows \
            is not None
        _check_count('data.rows', self.data.rows, 1, not trained)
        _check_count('data.test_rows', self.data.test_rows, 0, True)
        for key in ('horizon', 'context', 'stride'):
            _check_count('backtest.' + key, self.backtest.get(key), 1, True)
        _check_count('seq_len', self.seq_len, 1, True)
        if self.refit is not None:
            if not isinstance(self.refit.dir, str) or not self.refit.dir:
                raise ValueError('refit.dir is not a directory name: '
                                 '{!r}'.format(self.refit.dir))
            _check_count('refit.rows', self.refit.rows)
        scaler = Scaler.from_dict(self.scaler)
        n = config['n_output']
        n_in = config['n_input']
        if scaler.mean.shape != (n_in,) or scaler.scale.shape != (n_in,):
            raise ValueError('the scaler has {} values, the model {} '
                             'inputs'.format(scaler.mean.shape, n_in))
        names = []
        if self.calendar:
            names = calendar_features.parse(','.join(self.calendar))
        width = n + len(self.covariates or []) + 2 * len(names)
        if width != n_in:
            raise ValueError('{} outputs, covariates {} and calendar {} make '
                             '{} inputs, not {}'.format(
                                 n, self.covariates or [], names, width,
                                 n_in))
        if self.columns is not None and len(self.columns) != n:
            raise ValueError('{} columns for {} outputs'.format(
                len(self.columns), n))
        self.pred = int(self.pred)
        _check_count('pred', self.pred)
        if not isinstance(self.members, int) or self.members < 1:
            raise ValueError('members must be a positive integer, got '
                             '{!r}'.format(self.members))
        saved = self.intervals.half_widths if self.intervals else {}
        for level, half in saved.items():
            shape = np.shape(half)
            if len(shape) != 2 or shape[1] != n or not 0 < float(level) < 1:
                raise ValueError('intervals at {} have shape {}, expected '
                                 '(horizon, {})'.format(level, shape, n))
        for name, weight in (self.combination or {}).items():
            if name not in PARTNERS or not isinstance(weight, (int, float)):
                raise ValueError('combination {!r}: {!r} is not a partner '
                                 'and weight'.format(self.combination, name))
        if 'regression' in (self.combination or {}) and not self.covariates:
            raise ValueError('combination regresses on covariates the model '
                             'does not have')
        _check_count('covariates_lead', self.covariates_lead, 0, True)
        if self.transforms is not None:
            names = Transformer.from_dict(self.transforms).names
            if len(names) != n:
                raise ValueError('{} transforms for {} outputs'.format(
                    len(names), n))
        # Sizes alone are checked here; the network is built on load.
        Model.from_config(dict(config, n_units=1))

    def save(self, directory, model):
        """Writes ``model.npz`` and ``model.json`` atomically.

        Args:
            directory (str): Destination (created if missing).
            model: The network (or ChainList of networks) whose parameters
                are saved.
        """
        os.makedirs(directory, exist_ok=True)
        atomic_write(os.path.join(directory, MODEL_FILE),
                     lambda p: chainer.serializers.save_npz(p, model))
        self.save_json(directory)

    def save_json(self, directory):
        """Rewrites ``model.json`` alone, atomically."""
        atomic_write(os.path.join(directory, META_FILE),
                     lambda p: _write_json(p, self.to_json()))

    @classmethod
    def read(cls, directory):
        """Reads and checks ``model.json`` in ``directory``.

        Returns:
            SavedModel: The record.
        """
        return cls.from_json(read_doc(directory),
                             os.path.join(directory, META_FILE))


def read_doc(directory):
    """The JSON document of ``directory/model.json``, of either kind
    (checked by :func:`check_doc`).

    Returns:
        dict: The document.
    """
    path = os.path.join(directory, META_FILE)
    if not os.path.isdir(directory):
        raise ValueError('{}: no such directory'.format(directory))
    if not os.path.isfile(path):
        raise ValueError('{} holds no model ({} is missing); train one with '
                         '"lstm-chainer train"'.format(directory, META_FILE))
    try:
        with open(path) as f:
            doc = json.load(f)
    except (ValueError, UnicodeDecodeError, OSError) as e:
        raise ValueError('{} is corrupted or not a model description '
                         '({}: {})'.format(path, type(e).__name__, e)) from e
    check_doc(doc, path)
    return doc


def check_doc(doc, where):
    """Checks what every record has (a JSON object, a format this version
    reads, a known kind).

    Returns:
        str: The kind (``series`` for records before format 7 that do not
        say).
    """
    if not isinstance(doc, dict):
        raise ValueError('{} is not a model description (not a JSON '
                         'object)'.format(where))
    version = doc.get('format')
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError('{} is corrupted or not a model description (no '
                         'format version)'.format(where))
    if version > FORMAT:
        raise ValueError(
            '{} was written by a newer lstm_chainer ({}, format {}); this '
            'one reads formats up to {}: upgrade lstm_chainer'.format(
                where, doc.get('lstm_chainer', '?'), version, FORMAT))
    kind = doc.get('kind', SERIES)
    if kind not in KINDS:
        raise ValueError('{} is corrupted or not a model description (kind '
                         '{!r})'.format(where, kind))
    return kind


def kind_of(directory):
    """str: The kind of model ``directory`` holds (``None``: no readable
    record)."""
    try:
        return check_doc(_load_json(os.path.join(directory, META_FILE)), '')
    except (ValueError, OSError):
        return None


def _load_json(path):
    with open(path) as f:
        return json.load(f)


def write_record(directory, doc, parameters):
    """Writes a model's two files atomically, the JSON last: any kind.

    Args:
        directory (str): Destination (created if missing).
        doc (dict): ``model.json``'s document (the format and versions are
            added).
        parameters: What ``model.npz`` holds (a Chain or ChainList).
    """
    os.makedirs(directory, exist_ok=True)
    doc = dict(doc, format=FORMAT, lstm_chainer=__version__,
               chainer=chainer.__version__)
    atomic_write_all([
        (os.path.join(directory, MODEL_FILE),
         lambda tmp: chainer.serializers.save_npz(tmp, parameters)),
        (os.path.join(directory, META_FILE),
         lambda tmp: _write_json(tmp, doc))])


def check_global(doc, where):
    """Checks every field of a global record the code reads (one line
    naming the file and the field)."""
    try:
        config = doc['model']
        for key in ('n_input', 'n_output', 'n_units', 'n_layers'):
            _check_count('model.' + key, config[key])
        _check_count('members', doc['members'])
        sigma = doc['sigma']
        if not isinstance(sigma, (int, float)) or isinstance(sigma, bool) \
                or not np.isfinite(sigma) or sigma <= 0:
            raise ValueError('sigma must be a positive number, got '
                             '{!r}'.format(sigma))
        if not isinstance(doc['settings'], dict):
            raise ValueError('settings is not an object')
        for name, weight in (doc.get('combination') or {}).items():
            if name not in PARTNERS or name in ONE_TABLE_PARTNERS or \
                    not isinstance(weight, (int, float)):
                raise ValueError('combination {!r}: {!r} is not a partner '
                                 'and weight'.format(doc['combination'],
                                                     name))
        refit = doc.get('refit')
        if refit is not None and (not isinstance(refit, str) or not refit):
            raise ValueError('refit is not a directory name: {!r}'.format(
                refit))
        half = (doc.get('intervals') or {}).get('half_widths') or {}
        for level, widths in half.items():
            if not 0 < float(level) < 1 or np.ndim(widths) != 1:
                raise ValueError('intervals at {} are not one width per '
                                 'step'.format(level))
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError('{} is corrupted or not a model description ({}: '
                         '{})'.format(where, type(e).__name__, e)) from None


def _check_count(name, value, least=1, optional=False):
    """Refuses a record field that is not a whole number >= ``least``
    (``None`` where ``optional``), naming it."""
    if value is None and optional:
        return
    if value is None:
        raise ValueError('{} is missing'.format(name))
    if not isinstance(value, int) or isinstance(value, bool) \
            or value < least:
        raise ValueError('{} must be a whole number >= {}, got {!r}'.format(
            name, least, value))


def _write_json(path, doc):
    with open(path, 'w') as f:
        json.dump(doc, f, indent=2, default=_json_default)
        f.write('\n')


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError('{!r} is not JSON serialisable'.format(value))
