"""Data-parallel training over MPI with ChainerMN (``chainermn``).

Each process trains on its own random windows, gradients are averaged over
processes every iteration (ChainerMN's multi-node optimizer), and the
recursive validation adds squared-error sums over processes. Start with
``mpiexec -n N``; the effective batch is ``batch_size * N``.
"""
import numpy as np

from lstm_chainer.snapshots import snapshot_epochs


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
                         'and pip install mpi4py'.format(name, e)) from None
    import chainermn
    try:
        return chainermn.create_communicator(name)
    except ValueError as e:
        raise ValueError('communicator {!r}: {}'.format(name, e)) from None


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
