"""A trained model in data units, and saving/loading it with its metadata."""
import json
import os
import tempfile
import zipfile

import chainer
import chainer.functions as F
import numpy as np

from lstm_chainer.model import Model
from lstm_chainer.scaling import Scaler

MODEL_FILE = 'model.npz'
META_FILE = 'model.json'
FORMAT = 1


class Forecaster(chainer.Chain):
    """A :class:`Model` trained on standardised data, used in data units.

    One call is one time step in the data's own units, so :func:`valid`,
    :func:`pred` and :func:`forecast` take it like any one-step model (and
    run it on the fused path with the scaling applied around it).

    Args:
        model (Model): The network, trained on ``scaler``-standardised data.
        scaler (Scaler): The training data's statistics.
        pred (int): Target offset the model was trained for.
        meta (dict): Anything else worth keeping (see :func:`save_model`).
    """

    def __init__(self, model, scaler, pred=1, meta=None):
        super().__init__()
        with self.init_scope():
            self.model = model
        self.scaler = scaler
        self.pred = pred
        self.meta = dict(meta or {})
        self.add_persistent('mean', scaler.mean.astype(np.float32))
        self.add_persistent('scale', scaler.scale.astype(np.float32))

    @property
    def columns(self):
        """list: Names of the variables, in model order."""
        return self.scaler.columns

    def reset_state(self):
        """Forgets the LSTM memory."""
        self.model.reset_state()

    def forward(self, x):
        """One step in data units: ``(batch, n) -> (batch, n)``."""
        shape = x.shape
        mean = F.broadcast_to(self.mean, shape)
        scale = F.broadcast_to(self.scale, shape)
        return self.model((x - mean) / scale) * scale + mean


def _atomic_write(path, write):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path),
                               dir=directory)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save_model(directory, forecaster, **meta):
    """Writes ``model.npz`` (parameters) and ``model.json`` (the rest).

    Both files are replaced atomically, so a crash never leaves a half
    written model behind.

    Args:
        directory (str): Destination (created if missing).
        forecaster (Forecaster): What to save.
        **meta: Extra JSON-serialisable entries (data source, training).
    """
    os.makedirs(directory, exist_ok=True)
    model = forecaster.model
    info = dict(forecaster.meta)
    info.update(meta)
    info.update({
        'format': FORMAT,
        'lstm_chainer': _version(),
        'chainer': chainer.__version__,
        'model': {'n_input': model.n_input, 'n_output': model.n_output,
                  'n_units': model.n_units, 'n_layers': model.n_layers,
                  'dropout': model.dropout, 'residual': model.residual},
        'pred': forecaster.pred,
        'scaler': forecaster.scaler.to_dict(),
    })
    _atomic_write(os.path.join(directory, MODEL_FILE),
                  lambda p: chainer.serializers.save_npz(p, model))
    _atomic_write(os.path.join(directory, META_FILE),
                  lambda p: _write_json(p, info))


def _write_json(path, info):
    with open(path, 'w') as f:
        json.dump(info, f, indent=2, default=_json_default)
        f.write('\n')


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError('{!r} is not JSON serialisable'.format(value))


def _version():
    from lstm_chainer import __version__
    return __version__


def read_meta(directory):
    """The metadata of a saved model (``model.json``), checked.

    Args:
        directory (str): Directory written by :func:`save_model`.

    Returns:
        dict: The metadata.
    """
    path = os.path.join(directory, META_FILE)
    if not os.path.isdir(directory):
        raise ValueError('{}: no such directory'.format(directory))
    if not os.path.isfile(path):
        raise ValueError('{} holds no model ({} is missing); train one with '
                         '"lstm-chainer train"'.format(directory, META_FILE))
    try:
        with open(path) as f:
            meta = json.load(f)
        sizes = meta['model']
        Scaler.from_dict(meta['scaler'])
        int(meta['pred'])
        for key in ('n_input', 'n_output', 'n_units', 'n_layers'):
            int(sizes[key])
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError('{} is corrupted or not a model description ({}: {})'
                         .format(path, type(e).__name__, e)) from None
    return meta


def load_model(directory):
    """Loads what :func:`save_model` wrote.

    Args:
        directory (str): Directory with ``model.npz`` and ``model.json``.

    Returns:
        Forecaster: The model in data units; its ``meta`` holds the JSON.
    """
    meta = read_meta(directory)
    sizes = meta['model']
    model = Model(sizes['n_input'], sizes['n_output'], sizes['n_units'],
                  n_layers=sizes['n_layers'],
                  dropout=sizes.get('dropout', 0.0),
                  residual=sizes.get('residual', False))
    path = os.path.join(directory, MODEL_FILE)
    if not os.path.isfile(path):
        raise ValueError('{} holds no model parameters ({} is missing)'
                         .format(directory, MODEL_FILE))
    try:
        with open(path, 'rb') as f:
            chainer.serializers.load_npz(f, model)
    except (KeyError, ValueError, TypeError, OSError, EOFError,
            zipfile.BadZipFile) as e:
        raise ValueError('{} is truncated or corrupted ({}: {})'.format(
            path, type(e).__name__, e)) from None
    scaler = Scaler.from_dict(meta['scaler'])
    return Forecaster(model, scaler, pred=int(meta['pred']), meta=meta)
