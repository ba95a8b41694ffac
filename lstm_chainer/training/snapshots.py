"""Trainer snapshots on disk: names, finding the newest, loading safely."""
import glob
import os
import re
import warnings

from chainer.training import extensions
from chainer.training.extensions import snapshot_writers

from lstm_chainer._io import load_npz, naming

SNAPSHOT = 'snapshot_epoch_{.updater.epoch}'
# snapshot_epoch_12, or snapshot_epoch_12.3 for rank 3 under MPI.
_NAME = re.compile(r'snapshot_epoch_(\d+)(?:\.(\d+))?$')


class NamingWriter(snapshot_writers.SimpleWriter):
    """Chainer's writer, whose errors name the snapshot file (a full disk
    otherwise reports the directory, or nothing)."""

    def __call__(self, filename, outdir, target):
        with naming(os.path.join(outdir, filename)):
            super().__call__(filename, outdir, target)


class NamingLogReport(extensions.LogReport):
    """LogReport whose write errors name the log file."""

    name = 'LogReport'  # what the other extensions look it up by

    def __call__(self, trainer):
        with naming(os.path.join(trainer.out, 'log')):
            super().__call__(trainer)


def snapshot_epochs(out, rank=None):
    """The snapshots in ``out``, by epoch.

    Args:
        out (str): Trainer output directory.
        rank (int): The MPI process whose snapshots to list (``name.rank``
            files); ``None`` for single-process ones.

    Returns:
        dict: ``{epoch: path}``.
    """
    found = {}
    for path in glob.glob(os.path.join(glob.escape(out), 'snapshot_epoch_*')):
        match = _NAME.search(os.path.basename(path))
        if match is None:
            continue
        owner = None if match.group(2) is None else int(match.group(2))
        if owner == rank:
            found[int(match.group(1))] = path
    return found


def latest_snapshot(out):
    """Path of the snapshot with the highest epoch in ``out``, or ``None``.

    Args:
        out (str): Trainer output directory.

    Returns:
        str: Path, or ``None`` when ``out`` holds no snapshot.
    """
    found = snapshot_epochs(out)
    return found[max(found)] if found else None


def resume(trainer, path):
    """Loads a trainer snapshot, with a clear error if it does not fit.

    Args:
        trainer (chainer.training.Trainer): Freshly built trainer.
        path (str): Snapshot written by :func:`get_trainer`'s extension.
    """
    with warnings.catch_warnings():
        # A reporting extension that the snapshot's run did not have (a
        # progress bar, plain epoch lines) has no saved trigger state; its
        # trigger then starts from the current iteration, which is right
        # for triggers called every iteration, as these are.
        warnings.filterwarnings(
            'ignore', message='The previous value of (iteration|epoch_detail) '
            'is not saved')
        load_npz(path, trainer,
                 'cannot resume from {path}: it is unreadable or was written '
                 'for another configuration ({error}); use another out '
                 'directory or remove the file')
