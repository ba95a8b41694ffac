"""The pretrained LSTM shipped with the library: :func:`pretrained`.

One network trained across thousands of series of every time step
(``benchmarks/pretrain.py``; its card says on what, how long and with
which command). It forecasts any series without training: each series is
prepared from its own rows and the season of its time step, as the
series it learnt from were.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile

import numpy as np

# Two shipped networks: fine-tuning starts from the one in PACKAGE_DIR
# (windows on one common scale, as a model trained on a collection has
# them); zero-shot forecasts and one table's partner use ZERO_SHOT_DIR's
# (windows scaled by their own context, normalise='scaled'), which forecasts
# better untrained but fine-tunes worse (benchmarks/experiments/
# pretrained.md).
PACKAGE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'pretrained')
ZERO_SHOT_DIR = os.path.join(PACKAGE_DIR, 'zero_shot')
CARD_FILE = 'card.json'


def pretrained(path=None):
    """Loads the pretrained forecaster (no training: :func:`~lstm_chainer.
    forecast` it on any table or collection).

    Args:
        path (str): A directory :func:`write_package` or
            ``benchmarks/pretrain.py`` wrote (default: the package's
            zero-shot network; ``init='pretrained'`` fine-tunes the one in
            :data:`PACKAGE_DIR`).

    Returns:
        GlobalForecaster: The network; ``meta['pretrained']`` is its card.
    """
    from lstm_chainer.forecasting.models.global_model import load_global
    directory = path or ZERO_SHOT_DIR
    if not os.path.isfile(os.path.join(directory, 'model.json')):
        raise ValueError('{} holds no pretrained model'.format(directory))
    model = load_global(directory)
    if not model.meta.get('pretrained'):
        raise ValueError('{} holds a global model that was not pretrained '
                         'across time steps'.format(directory))
    return model


def card(path=None):
    """dict: The card of the pretrained weights (corpus, sizes, seed,
    budget, command, code version) in ``path`` (default: the zero-shot
    network's)."""
    with open(os.path.join(path or ZERO_SHOT_DIR, CARD_FILE)) as f:
        return json.load(f)


def is_pretrained(model):
    """bool: ``model`` is a network pretrained across time steps (it reads
    the season of the data it forecasts)."""
    settings = getattr(model, 'settings', None)
    return bool(getattr(settings, 'any_season', False))


def write_package(forecaster, card_doc, directory=None):
    """Writes the weights (float32 ``model.npz``), ``model.json`` and the
    card into ``directory`` (default: the package's), replacing what was
    there only once all is written.

    Returns:
        str: The directory.
    """
    directory = directory or PACKAGE_DIR
    parent = os.path.dirname(os.path.abspath(directory))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix='.pretrained-', dir=parent)
    forecaster.meta['pretrained'] = card_doc
    forecaster.save(staging)
    with open(os.path.join(staging, CARD_FILE), 'w') as f:
        json.dump(card_doc, f, indent=1)
        f.write('\n')
    if os.path.isdir(directory):
        for name in ('model.npz', 'model.json', CARD_FILE):
            if os.path.exists(os.path.join(directory, name)):
                os.remove(os.path.join(directory, name))
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(staging):
        shutil.move(os.path.join(staging, name), os.path.join(directory, name))
    shutil.rmtree(staging, ignore_errors=True)
    return directory


def check_fractions(fractions):
    """Refuses snapshot fractions outside ``(0, 1)``."""
    if any(not 0 < f < 1 for f in fractions):
        raise ValueError('snapshot members: fractions of the epochs between '
                         '0 and 1, got {}'.format(list(fractions)))


def snapshot_members(forecaster, out, fractions):
    """The trained network with its run's weights at ``fractions`` of the
    epochs (the nearest snapshots in ``out``) as further members: their
    forecasts average, as a trained ensemble's do.

    Args:
        forecaster (GlobalForecaster): One network, trained in ``out``.
        out (str): Its run directory (``train_global``'s snapshots).
        fractions (sequence): Fractions of the epochs, in ``(0, 1)``.

    Returns:
        tuple: ``(forecaster, epochs)``: the epochs of its members, the
        final one last.
    """
    import dataclasses

    from chainer.serializers import load_npz

    from lstm_chainer.forecasting.models.global_model import GlobalForecaster
    from lstm_chainer.training.snapshots import snapshot_epochs
    s = forecaster.settings
    check_fractions(fractions)
    if not fractions:
        return forecaster, [s.epochs]
    saved = snapshot_epochs(out)
    if not saved:
        raise ValueError('{} holds no snapshots to take members from'
                         .format(out))
    at = [min(saved, key=lambda e: (abs(e - f * s.epochs), e))
          for f in fractions]
    members = []
    for epoch in at:
        member = forecaster.members[0].copy(mode='copy')
        load_npz(saved[epoch], member, path='updater/model:main/predictor/')
        members.append(member)
    members.append(forecaster.members[0])
    return GlobalForecaster(
        members, dataclasses.replace(s, ensemble=len(members)),
        forecaster.sigma, forecaster.meta, forecaster.inputs), \
        at + [s.epochs]


# Windows (series x origins) a zero-shot calibration aims for: a 95 %
# interval needs about 20; one series then gets several origins.
CALIBRATION_WINDOWS = 40
MAX_ORIGINS = 24


def zero_shot(model, collection, horizon, season=None, combine='auto',
              levels=None):
    """A pretrained model made ready for a collection, without training:
    its network backtested from each series' last origins chooses the
    classical partners (as a trained model's validation does) and
    calibrates the intervals.

    Args:
        model (GlobalForecaster): The pretrained model (:func:`pretrained`).
        collection (Collection): The series to forecast.
        horizon (int): Steps to be forecast (and backtested).
        season (int): The season (default: the collection's time step's,
            none without one).
        combine (str): ``auto`` or a fixed candidate (``none``: the
            network alone).
        levels (tuple): Interval levels (default: the model's).

    Returns:
        tuple: ``(forecaster, backtest, notes)``; the backtest is ``None``
        where no series is long enough to hold a horizon out (the network
        alone then, without intervals; a note says so).
    """
    from lstm_chainer.forecasting.models.global_model import (
        GlobalForecaster,
        backtest_collection,
        calibrate,
    )
    from lstm_chainer.forecasting.preprocessing.selection import default_season
    if season is None:
        season = default_season(collection.freq) or 1
    ready = model.with_season(season)
    ready = GlobalForecaster(ready.members, ready.settings, ready.sigma,
                             {k: v for k, v in ready.meta.items()
                              if k not in ('combination', 'intervals',
                                           'validation', 'notes')},
                             ready.inputs)
    levels = tuple(levels or ready.settings.levels)
    lengths = collection.lengths
    origins = int(min(MAX_ORIGINS, max(1, -(-CALIBRATION_WINDOWS
                                            // len(collection)))))
    # Origins (a stride of a third of the horizon, less where the history
    # is short) that leave the longest series a few rows of history.
    spare = int(lengths.max()) - horizon - 3
    stride = horizon if origins == 1 else max(1, min(
        horizon // 3, spare // origins))
    origins = max(1, min(origins, spare // stride + 1))
    notes = []
    if not (lengths > horizon + 2).any():
        notes.append('every series has {} rows or fewer: the forecast is the '
                     'network\'s, without partners or intervals (nothing to '
                     'backtest it on)'.format(horizon + 2))
        ready.meta['combination'] = None
        return ready, None, notes
    bt = backtest_collection(ready, collection, horizon, origins, stride)
    notes += calibrate(ready, bt, combine, levels)
    if bt.skipped:
        notes.append('{} series too short to backtest: forecast as the '
                     'others'.format(len(bt.skipped)))
    ready.meta['notes'] = notes
    return ready, bt, notes


def forecast_pretrained(model, history, steps, season=None, freq=None,
                        intervals=False, levels=None, combine='auto'):
    """Zero-shot forecasts of a table (each column a series of its own)
    or of a collection (:func:`zero_shot`, then the forecast).

    Args:
        model (GlobalForecaster): The pretrained model.
        history: A DataFrame (a DatetimeIndex gives the future times and
            the season), a 2-D array, or a :class:`Collection`.
        steps (int): Steps past the data.
        season (int): The season (default: the time step's).
        freq (str): The time step of a DataFrame (default: inferred).
        intervals (bool): Add the calibrated bounds.
        levels (tuple): Their levels (default: the model's).
        combine (str): As :func:`zero_shot`.

    Returns:
        pandas.DataFrame: For a table, ``steps`` rows indexed by the future
        times with each column and its ``_lower_``/``_upper_`` bounds; for a
        collection, the long table of :meth:`GlobalForecaster.
        forecast_frame`. ``attrs['notes']`` says what was chosen.
    """
    from lstm_chainer.data.collection import Collection
    from lstm_chainer.forecasting.models.global_model import network_rows
    table = not isinstance(history, Collection)
    collection = Collection.from_table(history, freq) if table else history
    ready, _, notes = zero_shot(model, collection, steps, season=season,
                                combine=combine, levels=levels)
    context = ready.settings.context
    fewest = network_rows(ready.settings.period)
    short = collection.lengths < context
    if short.any():
        notes.append('{} of {} series have fewer rows than the network\'s '
                     'context ({}): their history is extended back with its '
                     'first value'.format(int(short.sum()), len(collection),
                                          context))
    too_short = collection.lengths < fewest
    if too_short.any():
        notes.append('{} of {} series have fewer than {} rows: damped ES '
                     'forecasts them in place of the network'.format(
                         int(too_short.sum()), len(collection), fewest))
    if intervals and not ready.half_widths:
        notes.append('no intervals: too little history to calibrate them')
    out = ready.forecast_frame(collection, steps,
                               levels=None if intervals else [])
    notes += out.attrs.get('notes', [])
    if not table:
        out.attrs['notes'] = notes
        return out
    wide = collection.wide_frame(out, steps, getattr(history, 'index',
                                                     None))
    wide.attrs['notes'] = notes
    return wide


# The environment variable that names other pretrained weights than the
# package's (a benchmark's leave-one-out weights, a fine-tuned corpus).
PATH_VARIABLE = 'LSTM_CHAINER_PRETRAINED'
_LOADED = {}


def default_pretrained(zero_shot=False):
    """The pretrained model ``init='pretrained'`` starts from: the weights
    in ``$LSTM_CHAINER_PRETRAINED`` where set, else the package's
    (``None`` where there are none). Loaded once per process.

    Args:
        zero_shot (bool): The network that forecasts untrained (one
            table's partner) instead of the one fine-tuning starts from.
    """
    path = os.environ.get(PATH_VARIABLE) or (
        ZERO_SHOT_DIR if zero_shot else PACKAGE_DIR)
    if path not in _LOADED:
        try:
            _LOADED[path] = pretrained(path)
        except ValueError:
            _LOADED[path] = None
    return _LOADED[path]


def pretrained_forecasts(series, origins, horizon, season=None):
    """The pretrained network's zero-shot forecasts of every column from
    every origin (a one-table partner, as Theta's), ``(horizon, B, n)``.

    Args:
        series: ``(T, n)`` data units.
        origins: ``(B,)`` origins (the history of ``o`` is rows ``<= o``).
        horizon (int): Steps.
        season (int): The season (``None``: none).
    """
    from lstm_chainer.data.collection import Collection
    model = default_pretrained(zero_shot=True)
    if model is None:
        raise ValueError('no pretrained weights: {} holds none and {} is not '
                         'set'.format(ZERO_SHOT_DIR, PATH_VARIABLE))
    series = np.asarray(series, dtype=np.float64)
    if series.ndim == 1:
        series = series[:, None]
    origins = np.asarray(origins, dtype=np.int64)
    n = series.shape[1]
    histories = [series[:o + 1, k] for o in origins for k in range(n)]
    collection = Collection.from_series(histories)
    f = model.with_season(season or 1).network(collection, horizon)
    return f[:, :, 0].reshape(horizon, len(origins), n)
