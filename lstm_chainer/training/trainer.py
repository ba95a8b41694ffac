"""The article's getTrainer: model, iterators, updater and extensions."""
from __future__ import annotations

import sys

import chainer
import numpy
from chainer import training
from chainer.training import extensions

from lstm_chainer._checks import check_int, check_positive
from lstm_chainer._random import global_random
from lstm_chainer.core.iterator import LSTM_Iterator
from lstm_chainer.core.loss import LossFuncL
from lstm_chainer.core.model import Model
from lstm_chainer.core.optimizers import FlatAdam
from lstm_chainer.core.schedules import SupportLen
from lstm_chainer.core.updater import LSTM_updater
from lstm_chainer.device import get_device
from lstm_chainer.training import distributed
from lstm_chainer.training.extensions import EpochLine, LossPlot, RecursiveEvaluator
from lstm_chainer.training.snapshots import (
    SNAPSHOT,
    NamingLogReport,
    NamingWriter,
)
from lstm_chainer.training.triggers import EarlyStopping

BEST_MODEL = 'best_model.npz'


def _every(period, last):
    """Fires every ``period`` epochs and at epoch ``last``."""
    points = sorted(set(range(period, last + 1, period)) | {last})
    return training.triggers.ManualScheduleTrigger(points, 'epoch')


def get_trainer(train, n_units: int, device=-1, batch_size: int = 10,
                seq_len: int = 10, support_len: SupportLen = 10, pred: int = 1,
                out: str = 'result', snap: int = 100, epoch: int = 1000,
                test=None, seed: int | None = None, n_layers: int = 1,
                dropout: float = 0.0,
                optimizer: chainer.Optimizer | None = None,
                test_seq_len: int | None = None, test_s: int = 0,
                test_batch_size: int = 256, progress: bool = True,
                grad_clip: float | None = None,
                weight_decay: float | None = None,
                early_stopping: int | None = None, keep_best: bool = True,
                fused: bool | None = None, print_report: bool = True,
                comm=None, scatter: bool = False, residual: bool = False,
                epochs: int | None = None, covariates: int = 0,
                epoch_lines: int | None = None,
                line_prefix: str = '', plot: bool = True) -> training.Trainer:
    """Builds a Trainer for recursive one-step forecasting of ``train``.

    The Trainer logs once per epoch, prints the log, plots the loss
    (``loss.png``, redrawn at the end and every 30 s before), shows a progress bar and
    snapshots every ``snap`` epochs and at the end. When ``out`` already
    holds a snapshot, the returned trainer resumes from the newest one.

    Args:
        train: 2-D training series (array or DataFrame).
        n_units (int): Hidden units.
        device: Device specifier (``-1``/``'@numpy'``: CPU,
            ``0``/``'@cupy:0'``: first GPU).
        batch_size (int): Windows per iteration.
        seq_len (int): Steps per training window.
        support_len: Last step fed with ground truth in training: an int
            or a schedule (:mod:`lstm_chainer.core.schedules`).
        pred (int): Target offset.
        out (str): Output directory.
        snap (int): Snapshot interval in epochs.
        epoch (int): Epochs to train (``epochs`` is the same).
        test: Optional test series; adds ``validation/main/loss`` and
            ``validation/main/rmse`` (recursive error) every epoch.
        seed (int): Seed for the parameters and the training windows.
        n_layers (int): Stacked LSTM layers.
        dropout (float): Dropout ratio after each LSTM layer.
        optimizer (chainer.Optimizer): Default :class:`FlatAdam` (Adam,
            bit for bit, in one update for all parameters).
        test_seq_len (int): Validation horizon (default ``seq_len``).
        test_s (int): Last validation step fed with ground truth.
        test_batch_size (int): Windows per validation batch.
        progress (bool): Show the progress bar.
        grad_clip (float): Clip the global gradient norm to this value.
        weight_decay (float): L2 weight decay rate.
        early_stopping (int): With ``test``, stop when the validation loss
            has not improved for this many epochs.
        keep_best (bool): With ``test``, save the model with the lowest
            validation loss so far to ``best_model.npz``.
        fused (bool): Training path (``None``: fused when supported).
        print_report (bool): Print the log table every epoch.
        epoch_lines (int): Print one plain line (epoch, losses, elapsed and
            remaining time) every this many epochs and at the end: for logs,
            instead of the progress bar and the table.
        line_prefix (str): Start of each such line.
        plot (bool): Draw ``loss.png`` (a quarter of a second a drawing).
        comm: ChainerMN communicator (run under ``mpiexec``): gradients are
            averaged over processes, each draws its own windows (effective
            batch ``batch_size * comm.size``), validation is split over
            them and summed; log, print, plot, progress and the best model
            are written by rank 0, snapshots by every rank.
        scatter (bool): With ``comm``, each process trains on its own
            contiguous block of ``train`` instead of all of it.
        residual (bool): The model predicts the change from its input
            (:class:`Model`'s ``residual``).
        covariates (int): The last ``covariates`` columns are inputs only,
            known at every step (calendar, planned prices): the model
            predicts the other columns and reads these beside its own
            fed-back predictions.

    Returns:
        chainer.training.Trainer: The trainer; the model is
        ``trainer.updater.predictor``.
    """
    if epochs is not None:
        epoch = epochs
    group = distributed.process_group(comm, scatter)
    train_iter, test_iter = _iterators(
        group, train, test, batch_size, seq_len, pred, seed, test_seq_len,
        test_batch_size, check_int('covariates', covariates, 0))
    return trainer_for_iterator(
        train_iter, n_units, group, device=device, support_len=support_len,
        out=out, snap=snap, epoch=epoch, test_iter=test_iter, seed=seed,
        n_layers=n_layers, dropout=dropout, optimizer=optimizer,
        test_s=test_s, progress=progress, grad_clip=grad_clip,
        weight_decay=weight_decay, early_stopping=early_stopping,
        keep_best=keep_best, fused=fused, print_report=print_report,
        residual=residual, epoch_lines=epoch_lines, line_prefix=line_prefix,
        plot=plot)


def trainer_for_iterator(train_iter, n_units, group=None, *, device,
                         support_len, out, snap, epoch, test_iter=None,
                         seed=None, n_layers=1, dropout=0.0, optimizer=None,
                         test_s=0, progress=False, grad_clip=None,
                         weight_decay=None, early_stopping=None,
                         keep_best=True, fused=None, print_report=False,
                         residual=False, epoch_lines=None, line_prefix='',
                         plot=True, lossfun=None):
    """:func:`get_trainer` for a training iterator already built (any
    iterator with ``seq_len``, ``n_features`` and ``n_targets``: the
    collection iterator of a global model too).

    Args:
        train_iter: The training iterator.
        n_units (int): Hidden units.
        group: :func:`~lstm_chainer.training.distributed.process_group`
            (default: this process alone).
        lossfun (callable): Per-step loss (default mean squared error;
            ``F.mean_absolute_error`` runs graph-free too).
        **kwargs: As :func:`get_trainer`.

    Returns:
        chainer.training.Trainer: The trainer, resumed from ``out``'s newest
        snapshot when there is one.
    """
    group = group or distributed.process_group(None)
    device = get_device(device)
    snap = check_int('snap', snap, 1)
    epoch = check_int('epoch', epoch, 1)
    model = _model(train_iter.n_features, train_iter.n_targets, n_units,
                   n_layers, dropout, residual, seed)
    optimizer = _optimizer(group, model, optimizer, grad_clip, weight_decay,
                           lossfun)
    updater = LSTM_updater(train_iter, optimizer, device=device,
                           support_len=support_len, fused=fused,
                           seed=group.updater_seed(seed))
    trainer = _trainer(updater, epoch, out, early_stopping, test_iter)
    group.extend(trainer)
    keys = _validation(trainer, group, test_iter, model, test_s, keep_best)
    _reporting(trainer, group, keys, epoch, print_report, progress,
               epoch_lines, line_prefix, plot)
    trainer.extend(group.snapshot(extensions.snapshot(
        filename=SNAPSHOT, writer=NamingWriter())),
                   trigger=_every(snap, epoch))
    group.resume(trainer, out)
    return trainer


def _iterators(group, train, test, batch_size, seq_len, pred, seed,
               test_seq_len, test_batch_size, covariates):
    train = group.train_part(train, seq_len, pred)
    n_targets = None  # every column; the iterator refuses bad shapes
    if covariates and numpy.ndim(train) == 2:
        n = numpy.shape(train)[1]
        if covariates >= n:
            raise ValueError('covariates ({}) must leave a target: the data '
                             'has {} columns'.format(covariates, n))
        n_targets = n - covariates
    train_iter = LSTM_Iterator(train, batch_size, seq_len, repeat=True,
                               pred=pred, seed=group.window_seed(seed),
                               n_targets=n_targets)
    if test is None:
        return train_iter, None
    test_iter = LSTM_Iterator(test, test_batch_size, test_seq_len or seq_len,
                              repeat=False, pred=pred,
                              shard=group.validation_shard(),
                              n_targets=n_targets)
    if test_iter.n_features != train_iter.n_features:
        raise ValueError('test has {} variables, train has {}'.format(
            test_iter.n_features, train_iter.n_features))
    return train_iter, test_iter


def _model(n_in, n_out, n_units, n_layers, dropout, residual, seed):
    # Chainer's initialisers draw from NumPy's global generator.
    random = None if seed is None else numpy.random.RandomState(seed)
    with global_random(random):
        return Model(n_in, n_out, n_units, n_layers=n_layers,
                     dropout=dropout, residual=residual)


def _optimizer(group, model, optimizer, grad_clip, weight_decay,
               lossfun=None):
    target = LossFuncL(model) if lossfun is None else LossFuncL(model,
                                                                lossfun)
    if optimizer is None:
        optimizer = FlatAdam()
    optimizer.setup(target)
    if grad_clip is not None:
        optimizer.add_hook(chainer.optimizer_hooks.GradientClipping(
            check_positive('grad_clip', grad_clip)))
    if weight_decay is not None:
        optimizer.add_hook(chainer.optimizer_hooks.WeightDecay(
            check_positive('weight_decay', weight_decay)))
    return group.wrap_optimizer(optimizer, target)


def _trainer(updater, epoch, out, early_stopping, test_iter):
    if early_stopping is None:
        return training.Trainer(updater, (epoch, 'epoch'), out=out)
    if test_iter is None:
        raise ValueError('early_stopping needs test data')
    stopper = EarlyStopping(
        'validation/main/loss', check_int('early_stopping', early_stopping, 1),
        max_trigger=(epoch, 'epoch'))
    trainer = training.Trainer(updater, stopper.stop_trigger, out=out)
    trainer.extend(stopper)
    return trainer


def _validation(trainer, group, test_iter, model, test_s, keep_best):
    """Recursive validation and the best model; returns the log keys."""
    if test_iter is None:
        return ['main/loss']
    trainer.extend(RecursiveEvaluator(test_iter, model, s=test_s,
                                      comm=group.comm))
    if keep_best and group.is_root:
        trainer.extend(
            extensions.snapshot_object(model, BEST_MODEL,
                                       writer=NamingWriter()),
            trigger=training.triggers.MinValueTrigger(
                'validation/main/loss', (1, 'epoch')))
    return ['main/loss', 'validation/main/loss', 'validation/main/rmse']


def _reporting(trainer, group, keys, epoch, print_report, progress,
               epoch_lines, line_prefix, plot):
    if not group.is_root:
        return
    trainer.extend(NamingLogReport(epochs=epoch, trigger=(1, 'epoch')))
    if print_report:
        # sys.stdout as it is now (PrintReport binds it at import).
        trainer.extend(extensions.PrintReport(
            ['epoch', 'iteration'] + keys + ['elapsed_time'], out=sys.stdout))
    if plot:
        trainer.extend(LossPlot(keys[:2], epochs=epoch))
    if progress:
        trainer.extend(extensions.ProgressBar(update_interval=10,
                                              out=sys.stdout))
    if epoch_lines:
        trainer.extend(EpochLine(keys[:2], epoch, check_int(
            'epoch_lines', epoch_lines, 1), line_prefix))
