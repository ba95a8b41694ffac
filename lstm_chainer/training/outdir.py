"""The directory a command writes into: checked before any work, locked
while the command runs, cleared of what killed runs left behind."""
import contextlib
import glob
import os
import shutil
import tempfile

LOCK = '.lstm-chainer.lock'
# What atomic writes (".<name><random><suffix>") and Chainer's snapshot
# writer ("tmp<name><random>/") leave when a run is killed mid-write.
# Chainer's LogReport writes through a directory log<random> (and removes
# it, unless the run is killed).
_LOG_TEMP = 'log?*'
_LEFTOVERS = ('.model.npz*', '.model.json*', '.valid.csv*', '.valid.png*',
              '.forecast.csv*', '.forecast.png*', '.loss.png*',
              'tmpsnapshot_epoch_*', 'tmpbest_model.npz*', _LOG_TEMP)


def check_writable(directory, create=True):
    """Refuses a directory that cannot be written, before any work.

    Args:
        directory (str): The directory.
        create (bool): Create it (and its parents) when missing.
    """
    if not directory:
        raise ValueError('the output directory is an empty name')
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise ValueError('{} exists and is not a directory'.format(directory))
    try:
        if create:
            os.makedirs(directory, exist_ok=True)
        # A name of its own: the processes of an MPI job probe at once.
        fd, probe = tempfile.mkstemp(prefix='.lstm-chainer-write-test',
                                     dir=directory)
        os.close(fd)
        os.remove(probe)
    except OSError as e:
        raise ValueError('cannot write into {}: {}'.format(
            directory, e.strerror or e)) from e


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def locked(directory):
    """Holds ``directory/.lstm-chainer.lock`` (the owner's PID) for a block.

    A second command on the same directory is refused with the owner's PID;
    a lock whose process is gone (a killed run) is taken over.

    Yields:
        list: Notes for the user (e.g. a stale lock was cleared).
    """
    path = os.path.join(directory, LOCK)
    notes = []
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            try:
                with open(path) as f:
                    pid = int(f.read().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                raise ValueError(
                    '{} is in use by another lstm-chainer command (pid {}); '
                    'wait for it or use another directory'.format(
                        directory, pid)) from None
            os.remove(path)
            notes.append('cleared a stale lock left by process {}'.format(
                pid))
    else:  # pragma: no cover - lost a race twice
        raise ValueError('{}: could not take the lock'.format(directory))
    with os.fdopen(fd, 'w') as f:
        f.write(str(os.getpid()))
    try:
        yield notes
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)


def clean_leftovers(directory):
    """Removes the temporary files killed runs left, in ``directory`` and
    in the ensemble members', the refit's and early stopping's (inner)
    directories below it; returns their paths relative to ``directory``."""
    removed = []
    top = glob.escape(directory)
    for folder in [top] + sorted(
            glob.glob(os.path.join(top, 'member[0-9]*'))
            + glob.glob(os.path.join(top, 'refit'))
            + glob.glob(os.path.join(top, 'refit', 'member[0-9]*'))
            + glob.glob(os.path.join(top, 'inner'))
            + glob.glob(os.path.join(top, 'inner', 'member[0-9]*'))):
        if not os.path.isdir(folder):
            continue
        for pattern in _LEFTOVERS:
            for path in glob.glob(os.path.join(glob.escape(folder), pattern)):
                if pattern == _LOG_TEMP and not os.path.isdir(path):
                    continue  # the log itself
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.remove(path)
                removed.append(os.path.relpath(path, directory))
    return removed
