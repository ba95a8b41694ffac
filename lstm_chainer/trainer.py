"""The article's getTrainer: model, iterators, updater and extensions."""
import contextlib
import sys

import chainer
import numpy
from chainer import training
from chainer.training import extensions

from lstm_chainer import distributed
from lstm_chainer._checks import check_int
from lstm_chainer.device import get_device
from lstm_chainer.extensions import LossPlot, RecursiveEvaluator
from lstm_chainer.iterator import LSTM_Iterator
from lstm_chainer.loss import LossFuncL
from lstm_chainer.model import Model
from lstm_chainer.snapshots import SNAPSHOT, latest_snapshot, resume
from lstm_chainer.triggers import EarlyStopping
from lstm_chainer.updater import LSTM_updater

BEST_MODEL = 'best_model.npz'


@contextlib.contextmanager
def _seeded(seed):
    # Chainer's initialisers draw from NumPy's global generator; seed it for
    # the block only, so the caller's random stream is left as it was.
    if seed is None:
        yield
        return
    state = numpy.random.get_state()
    numpy.random.seed(seed)
    try:
        yield
    finally:
        numpy.random.set_state(state)


def _positive(name, value):
    if not float(value) > 0:
        raise ValueError('{} must be > 0, got {!r}'.format(name, value))
    return float(value)


def _every(period, last):
    """Fires every ``period`` epochs and at epoch ``last``."""
    points = sorted(set(range(period, last + 1, period)) | {last})
    return training.triggers.ManualScheduleTrigger(points, 'epoch')


def get_trainer(train, n_units, device=-1, batch_size=10, seq_len=10,
                support_len=10, pred=1, out='result', snap=100, epoch=1000,
                test=None, seed=None, n_layers=1, dropout=0.0, optimizer=None,
                test_seq_len=None, test_s=0, test_batch_size=256,
                progress=True, grad_clip=None, weight_decay=None,
                early_stopping=None, keep_best=True, fused=None,
                print_report=True, comm=None, scatter=False, residual=False):
    """Builds a Trainer for recursive one-step forecasting of ``train``.

    The Trainer logs once per epoch, prints the log, plots the loss
    (``loss.png``, redrawn about 10 times per run), shows a progress bar and
    snapshots every ``snap`` epochs and at the end;
    when ``out`` already holds a snapshot, training resumes from the newest.

    Args:
        train: 2-D training series (array or DataFrame).
        n_units (int): Hidden units.
        device: Device specifier (``-1``/``'@numpy'``: CPU,
            ``0``/``'@cupy:0'``: first GPU).
        batch_size (int): Windows per iteration.
        seq_len (int): Steps per training window.
        support_len: Last step fed with ground truth in training: an int
            or a schedule (:mod:`lstm_chainer.schedules`).
        pred (int): Target offset.
        out (str): Output directory.
        snap (int): Snapshot interval in epochs.
        epoch (int): Epochs to train.
        test: Optional test series; adds ``validation/main/loss`` and
            ``validation/main/rmse`` (recursive error) every epoch.
        seed (int): Seed for the parameters and the training windows.
        n_layers (int): Stacked LSTM layers.
        dropout (float): Dropout ratio after each LSTM layer.
        optimizer (chainer.Optimizer): Default ``Adam()``.
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
        comm: ChainerMN communicator (run under ``mpiexec``): gradients are
            averaged over processes, each draws its own windows (effective
            batch ``batch_size * comm.size``), validation is split over
            them and summed; log, print, plot, progress and the best model
            are written by rank 0, snapshots by every rank.
        scatter (bool): With ``comm``, each process trains on its own
            contiguous block of ``train`` instead of all of it.
        residual (bool): The model predicts the change from its input
            (:class:`Model`'s ``residual``).

    Returns:
        chainer.training.Trainer: The trainer; the model is
        ``trainer.updater.predictor``.
    """
    snap = check_int('snap', snap, 1)
    epoch = check_int('epoch', epoch, 1)
    device = get_device(device)
    rank, size = (0, 1) if comm is None else (comm.rank, comm.size)
    if comm is not None and scatter:
        train = distributed.scatter_series(train, rank, size, seq_len, pred)
    train_iter = LSTM_Iterator(train, batch_size, seq_len, support_len,
                               repeat=True, pred=pred,
                               seed=distributed.rank_seed(seed, rank)
                               if comm is not None else seed)
    test_iter = None
    if test is not None:
        test_iter = LSTM_Iterator(
            test, test_batch_size, test_seq_len or seq_len, repeat=False,
            pred=pred, shard=None if comm is None else (rank, size))
        if test_iter.n_features != train_iter.n_features:
            raise ValueError('test has {} variables, train has {}'.format(
                test_iter.n_features, train_iter.n_features))

    n = train_iter.n_features
    with _seeded(seed):
        model = Model(n, n, n_units, n_layers=n_layers, dropout=dropout,
                      residual=residual)
    target = LossFuncL(model)
    if optimizer is None:
        optimizer = chainer.optimizers.Adam()
    optimizer.setup(target)
    if grad_clip is not None:
        optimizer.add_hook(chainer.optimizer_hooks.GradientClipping(
            _positive('grad_clip', grad_clip)))
    if weight_decay is not None:
        optimizer.add_hook(chainer.optimizer_hooks.WeightDecay(
            _positive('weight_decay', weight_decay)))
    if comm is not None:
        distributed.abort_on_uncaught_exception()
        optimizer = distributed.multi_node_optimizer(optimizer, comm, target)
        updater_seed = distributed.rank_seed(seed, size + rank)
    else:
        updater_seed = None if seed is None else seed + 1

    updater = LSTM_updater(train_iter, optimizer, device=device, fused=fused,
                           seed=updater_seed)
    stopper = None
    if early_stopping is not None:
        if test_iter is None:
            raise ValueError('early_stopping needs test data')
        stopper = EarlyStopping(
            'validation/main/loss', check_int('early_stopping',
                                              early_stopping, 1),
            max_trigger=(epoch, 'epoch'))
    trainer = training.Trainer(
        updater, (epoch, 'epoch') if stopper is None else stopper.stop_trigger,
        out=out)
    if stopper is not None:
        trainer.extend(stopper)

    keys = ['main/loss']
    if comm is not None:
        import chainermn
        # main/loss averaged over processes (each reports its own windows).
        trainer.extend(chainermn.extensions.ObservationAggregator(
            comm, 'main/loss'))
    if test_iter is not None:
        trainer.extend(RecursiveEvaluator(test_iter, model, s=test_s,
                                          comm=comm))
        keys += ['validation/main/loss', 'validation/main/rmse']
        if keep_best and rank == 0:
            trainer.extend(
                extensions.snapshot_object(model, BEST_MODEL),
                trigger=training.triggers.MinValueTrigger(
                    'validation/main/loss', (1, 'epoch')))
    if rank == 0:
        trainer.extend(extensions.LogReport(trigger=(1, 'epoch')))
        if print_report:
            # sys.stdout as it is now (PrintReport binds it at import).
            trainer.extend(extensions.PrintReport(
                ['epoch', 'iteration'] + keys + ['elapsed_time'],
                out=sys.stdout))
        trainer.extend(LossPlot(keys[:2]), trigger=_every(
            max(1, epoch // 10), epoch))
        if progress:
            trainer.extend(extensions.ProgressBar(update_interval=10,
                                                  out=sys.stdout))
    snapshot = extensions.snapshot(filename=SNAPSHOT)
    if comm is None:
        trainer.extend(snapshot, trigger=_every(snap, epoch))
        path = latest_snapshot(out)
    else:
        import chainermn
        # Every process keeps its own snapshot: their random streams differ.
        per_rank = chainermn.extensions.multi_node_snapshot(
            comm, snapshot, [[r] for r in range(size)])
        # Last in every iteration, like the plain snapshot, so it records
        # the triggers of the other extensions after they have run.
        per_rank.priority = snapshot.priority
        trainer.extend(per_rank, trigger=_every(snap, epoch))
        path = distributed.shared_latest_snapshot(out, comm)
    if comm is None:
        if path is not None:
            resume(trainer, path)
        return trainer
    # Collectively: a process that cannot resume must not leave the others
    # waiting in the first allreduce.
    error = None
    if path is not None:
        try:
            resume(trainer, path)
        except ValueError as e:
            error = str(e)
    errors = [e for e in comm.mpi_comm.allgather(error) if e]
    if errors:
        raise ValueError(errors[0])
    return trainer
