"""Trainer snapshots on disk: names, finding the newest, loading safely."""
import glob
import json
import os
import re
import shutil
import time
import warnings

from chainer import utils
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
    """LogReport whose write errors name the log file, and which writes
    it at the first and the last epoch and at most every ``interval``
    seconds between (and when the run ends): LogReport rewrites the whole
    log every epoch, which costs more than the training itself on a short
    series. The log in memory (and in snapshots) is complete at every
    epoch.

    Args:
        epochs (int): The run's last epoch.
        interval (float): Seconds between writes.
        **kwargs: LogReport's arguments.
    """

    name = 'LogReport'  # what the other extensions look it up by

    def __init__(self, epochs=None, interval=5.0, **kwargs):
        super().__init__(**kwargs)
        self.epochs = epochs
        self.interval = interval
        self._trainer = None
        self._written = (0, None)  # (entries, time) of the last write

    def __call__(self, trainer):
        self._trainer = trainer
        entries = len(self._log)
        name, self._log_name = self._log_name, None
        try:
            super().__call__(trainer)
        finally:
            self._log_name = name
        if len(self._log) > entries and self._due():
            self._write(trainer)

    def _due(self):
        _, at = self._written
        return at is None or self._log[-1]['epoch'] == self.epochs \
            or time.monotonic() - at >= self.interval

    def _write(self, trainer):
        if self._log_name is None:
            return
        log_name = self._log_name.format(**self._log[-1])
        path = os.path.join(trainer.out, log_name)
        with naming(path), utils.tempdir(prefix=log_name,
                                         dir=trainer.out) as tempd:
            temp = os.path.join(tempd, 'log.json')
            with open(temp, 'w') as f:
                json.dump(self._log, f, indent=4)
            shutil.move(temp, path)
        self._written = (len(self._log), time.monotonic())

    def finalize(self):
        # What was logged since the last write (a run stopped early or by
        # an error); an error here must not hide the one that stopped it.
        if self._trainer is not None and self._written[0] < len(self._log):
            try:
                self._write(self._trainer)
            except OSError:
                pass


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
