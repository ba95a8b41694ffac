"""Files: atomic writes, and reading Chainer's npz files with clear errors."""
import contextlib
import gc
import os
import sys
import tempfile
import traceback
import zipfile
import zlib

import chainer

# What a truncated, garbled or mismatching npz file raises inside Chainer.
NPZ_ERRORS = (KeyError, ValueError, TypeError, OSError, EOFError,
              zipfile.BadZipFile, zlib.error)


def atomic_write(path, write):
    """Writes a file so that a crash never leaves half of it under ``path``.

    ``write(tmp)`` writes a temporary file in the same directory, which then
    replaces ``path`` in one step; on any error the temporary file is removed.

    Args:
        path (str): Destination.
        write (callable): ``write(tmp_path)``.
    """
    atomic_write_all([(path, write)])


def atomic_write_all(writes):
    """Writes several files all or nothing, as far as a file system allows.

    Every file is first written under a temporary name; only when all are
    written do they replace their destinations (on an error, none does).

    Args:
        writes (list): ``(path, write)`` pairs, as for :func:`atomic_write`.
    """
    done = []
    try:
        for path, write in writes:
            directory, name = os.path.split(os.path.abspath(path))
            with naming(path):
                fd, tmp = tempfile.mkstemp(prefix='.' + name, dir=directory,
                                           suffix=os.path.splitext(name)[1])
                os.close(fd)
                done.append((tmp, path))
                write(tmp)
            # mkstemp makes the file 0600; give it what the umask allows,
            # as open() would have.
            os.chmod(tmp, 0o666 & ~_umask())
        for tmp, path in done:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in done:
            if os.path.exists(tmp):
                os.remove(tmp)
        raise


@contextlib.contextmanager
def naming(path):
    """An OSError inside names ``path`` (the file being written) where it
    named nothing, a directory or a temporary file."""
    try:
        yield
    except OSError as e:
        if e.filename is None or e.filename != path and (
                os.path.isdir(e.filename) or not os.path.exists(e.filename)):
            raise OSError(e.errno, e.strerror or str(e), path) from e
        raise


def load_npz(path, target, problem):
    """Loads a Chainer npz file into ``target``; a bad file is a ValueError.

    Args:
        path (str): The file.
        target: Link, optimizer or trainer to fill.
        problem (str): Sentence for the message, with ``{path}`` and
            ``{error}`` fields.
    """
    try:
        with open(path, 'rb') as f:
            chainer.serializers.load_npz(f, target)
    except NPZ_ERRORS as e:
        raise ValueError(problem.format(
            path=path, error='{}: {}'.format(type(e).__name__, e))) from e


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def forget_failure(error):
    """Frees what a failed call held through ``error``'s frames, quietly:
    NumPy's half-written npz on a full disk would otherwise complain when
    collected (``ZipFile.__del__``), after the error was reported."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        seen = set()
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            traceback.clear_frames(error.__traceback__)
            error.__traceback__ = None
            error = error.__cause__ or error.__context__
        gc.collect()
    finally:
        sys.unraisablehook = hook
