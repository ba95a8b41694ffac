"""A trained model in data units, and saving/loading it with its record."""
from __future__ import annotations

import os

import chainer
import chainer.functions as F
import numpy as np

from lstm_chainer._io import load_npz
from lstm_chainer.model import Model
from lstm_chainer.recursion import rollout
from lstm_chainer.saved import MODEL_FILE, DataSource, SavedModel
from lstm_chainer.scaling import Scaler


class Forecaster(chainer.Chain):
    """A :class:`Model` trained on standardised data, used in data units.

    :func:`valid`, :func:`pred` and :func:`forecast` take it like any
    one-step model: its :meth:`rollout` runs the inner model on standardised
    data and returns data units (one call of the Chain is one time step).

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
        self.record = None  # the SavedModel, once saved or loaded
        self.add_persistent('mean', scaler.mean.astype(np.float32))
        self.add_persistent('scale', scaler.scale.astype(np.float32))

    @property
    def unit_scale(self):
        """numpy.ndarray: Per-variable scale for pooling variables."""
        return self.scaler.scale

    def rollout(self, xs, n_steps, support_len, fused=None):
        """:func:`~lstm_chainer.recursion.rollout` in data units.

        Args:
            xs: Inputs ``(steps, batch, n)`` in data units, on the device.
            n_steps (int): Steps to run.
            support_len (int): Last step fed with ground truth.
            fused (bool): Path of the inner model.

        Returns:
            array: Outputs ``(n_steps, batch, n)`` in data units.
        """
        z = (xs - self.mean) / self.scale
        ys = rollout(self.model, z, n_steps, support_len, fused=fused)
        return ys * self.scale + self.mean

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


def save_model(directory: str, forecaster: Forecaster, **meta) -> None:
    """Writes ``model.npz`` (parameters) and ``model.json`` (the rest).

    Both files are replaced atomically, so a crash never leaves a half
    written model behind.

    Args:
        directory (str): Destination (created if missing).
        forecaster (Forecaster): What to save.
        **meta: Further entries of :class:`~lstm_chainer.saved.SavedModel`
            (``columns``, ``seq_len``, ``data``, ...) or any other
            JSON-serialisable ones.
    """
    info = dict(forecaster.meta)
    info.update(meta)
    known = {k: info.pop(k) for k in SavedModel._KEYS if k in info}
    for key in SavedModel._VERSIONS:
        info.pop(key, None)
    known.update(model=forecaster.model.config(),
                 scaler=forecaster.scaler.to_dict(), pred=forecaster.pred)
    if isinstance(known.get('data'), dict):
        known['data'] = DataSource(**known['data'])
    record = SavedModel(extra=info, **known)
    record.save(directory, forecaster.model)
    forecaster.meta = record.to_json()
    forecaster.record = record


def read_meta(directory):
    """The checked metadata of a saved model (``model.json``) as a dict."""
    return SavedModel.read(directory).to_json()


def load_model(directory: str) -> Forecaster:
    """Loads what :func:`save_model` wrote.

    Args:
        directory (str): Directory with ``model.npz`` and ``model.json``.

    Returns:
        Forecaster: The model in data units; ``record`` is its
        :class:`~lstm_chainer.saved.SavedModel` and ``meta`` the JSON.
    """
    record = SavedModel.read(directory)
    model = Model.from_config(record.model)
    path = os.path.join(directory, MODEL_FILE)
    if not os.path.isfile(path):
        raise ValueError('{} holds no model parameters ({} is missing)'
                         .format(directory, MODEL_FILE))
    load_npz(path, model, '{path} is truncated or corrupted ({error})')
    forecaster = Forecaster(model, Scaler.from_dict(record.scaler),
                            pred=record.pred, meta=record.to_json())
    forecaster.record = record
    return forecaster
