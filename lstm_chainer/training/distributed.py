"""Data-parallel training over MPI with ChainerMN (``chainermn``).

Each process trains on its own random windows, gradients are averaged over
processes every iteration (ChainerMN's multi-node optimizer), and the
recursive validation adds squared-error sums over processes. Start with
``mpiexec -n N``; the effective batch is ``batch_size * N``.
"""
import os

import numpy as np

from lstm_chainer.device import get_device
from lstm_chainer.training.snapshots import latest_snapshot, resume, snapshot_epochs


def create_communicator(name='naive'):
    """A ChainerMN communicator, with a clear error when MPI is missing.

    Args:
        name (str): ``'naive'`` (CPU), ``'pure_nccl'`` (one GPU per process),
            or any other name ChainerMN knows.

    Returns:
        The communicator.
    """
    try:
        import mpi4py.MPI  # noqa: F401
    except ImportError as e:
        raise ValueError('communicator {!r} needs MPI and mpi4py ({}): '
                         'install an MPI (Debian: openmpi-bin libopenmpi-dev) '
                         'and pip install mpi4py'.format(name, e)) from e
    import chainermn
    try:
        return chainermn.create_communicator(name)
    except ValueError as e:
        raise ValueError('communicator {!r}: {}'.format(name, e)) from e


def devices(communicator=None, device=-1):
    """The communicator (``None`` without one) and this process' device:
    under a communicator, each process on a GPU takes its own.

    Returns:
        tuple: ``(comm, chainer.backend.Device)``.
    """
    comm = None
    if communicator:
        comm = create_communicator(communicator)
        if get_device(device).xp is not np:
            device = '@cupy:{}'.format(comm.intra_rank)
    return comm, get_device(device)


def abort_on_uncaught_exception():
    """Makes an uncaught exception in any process abort the whole MPI job.

    Without it the other processes wait forever in their next collective
    call (ChainerMN's ``global_except_hook``; installed once).
    """
    import chainermn.global_except_hook as hook
    if hook._orig_except_hook is None:
        hook.add_hook()


def rank_seed(seed, rank):
    """A seed of its own for each process, reproducible from ``seed``.

    Args:
        seed (int): The run's seed (``None``: fresh entropy everywhere).
        rank (int): The process.

    Returns:
        int or None: The process's seed.
    """
    if seed is None:
        return None
    return int(np.random.SeedSequence([seed, rank]).generate_state(1)[0])


def scatter_series(data, rank, size, seq_len, pred):
    """The contiguous block of a series that process ``rank`` trains on.

    Blocks keep time order and overlap by ``seq_len + pred - 1`` rows, so
    that every window of the whole series lies inside exactly one block.

    Args:
        data: The series (array or DataFrame), oldest row first.
        rank (int): The process.
        size (int): Number of processes.
        seq_len (int): Steps per window.
        pred (int): Target offset.

    Returns:
        The block (same type as ``data``).
    """
    n_windows = len(data) - seq_len - pred + 1
    if n_windows < size:
        raise ValueError('{} windows cannot be split over {} processes'
                         .format(max(n_windows, 0), size))
    starts = np.array_split(np.arange(n_windows), size)[rank]
    stop = starts[-1] + seq_len + pred
    return data[starts[0]:stop] if not hasattr(data, 'iloc') \
        else data.iloc[starts[0]:stop]


def multi_node_optimizer(optimizer, comm, target):
    """Wraps ``optimizer`` for ``comm`` and makes every process start equal.

    ChainerMN's optimizer broadcasts the parameters at its first update and
    skips that update; broadcasting here instead means every iteration
    updates, before and after a resume alike.

    Args:
        optimizer (chainer.Optimizer): Set up on ``target``.
        comm: ChainerMN communicator.
        target (chainer.Link): The optimised link.

    Returns:
        The multi-node optimizer.
    """
    import chainermn
    wrapped = chainermn.create_multi_node_optimizer(optimizer, comm)
    wrapped.is_changed(target)  # records the parameters as seen
    comm.bcast_data(target)
    return wrapped


def shared_latest_snapshot(out, comm):
    """This process's snapshot of the newest epoch that every process has.

    Returns:
        str or None: Path, or ``None`` when no epoch is common to all.
    """
    mine = snapshot_epochs(out, comm.rank)
    common = set.intersection(*comm.mpi_comm.allgather(set(mine)))
    return mine[max(common)] if common else None


class Local:
    """One process: what :func:`get_trainer` asks of a process group.

    :class:`MultiNode` answers the same questions for ChainerMN, so the
    trainer is built the same way in both cases.
    """

    comm = None
    rank, size = 0, 1

    @property
    def is_root(self):
        """bool: This process reports, plots and keeps the best model."""
        return self.rank == 0

    def train_part(self, train, seq_len, pred):
        """The part of the training series this process draws windows from."""
        return train

    def window_seed(self, seed):
        """Seed of this process's training windows."""
        return seed

    def updater_seed(self, seed):
        """Seed of this process's updater stream (coin flips, dropout)."""
        return None if seed is None else seed + 1

    def validation_shard(self):
        """``(index, count)`` of the validation windows, or ``None``: all."""
        return None

    def wrap_optimizer(self, optimizer, target):
        """The optimizer as this group runs it."""
        return optimizer

    def extend(self, trainer):
        """Adds what the group needs to the trainer (nothing for one)."""

    def snapshot(self, snapshot):
        """The snapshot extension as this group writes it."""
        return snapshot

    def resume(self, trainer, out):
        """Resumes ``trainer`` from the newest snapshot in ``out``, if any."""
        path = latest_snapshot(out)
        if path is not None:
            resume(trainer, path)


class MultiNode(Local):
    """Data-parallel processes of a ChainerMN communicator.

    Args:
        comm: ChainerMN communicator.
        scatter (bool): Each process trains on its own contiguous block of
            the series instead of all of it.
    """

    def __init__(self, comm, scatter=False):
        self.comm = comm
        self.rank, self.size = comm.rank, comm.size
        self.scatter = scatter
        abort_on_uncaught_exception()

    def train_part(self, train, seq_len, pred):
        if not self.scatter:
            return train
        return scatter_series(train, self.rank, self.size, seq_len, pred)

    def window_seed(self, seed):
        return rank_seed(seed, self.rank)

    def updater_seed(self, seed):
        return rank_seed(seed, self.size + self.rank)

    def validation_shard(self):
        return self.rank, self.size

    def wrap_optimizer(self, optimizer, target):
        return multi_node_optimizer(optimizer, self.comm, target)

    def extend(self, trainer):
        import chainermn
        # main/loss averaged over processes (each reports its own windows).
        trainer.extend(chainermn.extensions.ObservationAggregator(
            self.comm, 'main/loss'))

    def snapshot(self, snapshot):
        import chainermn
        # Every process keeps its own snapshot: their random streams differ.
        per_rank = chainermn.extensions.multi_node_snapshot(
            self.comm, snapshot, [[r] for r in range(self.size)])
        # Last in every iteration, like the plain snapshot, so it records
        # the triggers of the other extensions after they have run.
        per_rank.priority = snapshot.priority
        return per_rank

    def resume(self, trainer, out):
        # Collectively: a process that cannot resume must not leave the
        # others waiting in the first allreduce.
        path = shared_latest_snapshot(out, self.comm)
        error = None
        if path is not None:
            try:
                resume(trainer, path)
            except ValueError as e:
                error = str(e)
        errors = [e for e in self.comm.mpi_comm.allgather(error) if e]
        if errors:
            raise ValueError(errors[0])


def process_group(comm=None, scatter=False):
    """:class:`Local` without a communicator, else :class:`MultiNode`."""
    return Local() if comm is None else MultiNode(comm, scatter)


def mpi_rank():
    """int: This process's rank under mpiexec, from the launcher's
    environment (0 without MPI; no MPI library is loaded)."""
    for name in ('OMPI_COMM_WORLD_RANK', 'PMI_RANK', 'PMIX_RANK'):
        if name in os.environ:
            return int(os.environ[name])
    return 0
