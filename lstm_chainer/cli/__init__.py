"""Command line: ``lstm-chainer train | valid | pred`` over CSV files.

A thin face of the library (:func:`lstm_chainer.fit_auto`, :func:`backtest`,
:func:`forecast`): options are parsed (:mod:`.parser`), the library called
(:mod:`.commands`) and the results reported (:mod:`.output`). Every problem
with the input ends in one line on stderr and exit status 2, before
anything in the output directory is touched.
"""
import contextlib
import gc
import os
import sys
import traceback

from lstm_chainer.cli.commands import COMMANDS
from lstm_chainer.cli.output import Output
from lstm_chainer.cli.parser import build_parser
from lstm_chainer.training import outdir

__all__ = ['COMMANDS', 'build_parser', 'main']


def main(argv=None):
    """Runs the command line; returns the exit status.

    Args:
        argv (list): Arguments (default ``sys.argv[1:]``).

    Returns:
        int: 0 on success (and for ``--help``), 2 on bad input.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # usage errors (2) and --help (0)
        return e.code
    directory = args.out if args.command == 'train' else args.model_dir
    created = False
    try:
        out = Output(args)
        if args.command == 'train' or os.path.isdir(directory):
            created = not os.path.exists(directory)
            outdir.check_writable(directory)
        lock = outdir.locked(directory) if _mpi_rank() == 0 and \
            os.path.isdir(directory) else contextlib.nullcontext([])
        with lock as notes:
            if _mpi_rank() == 0:
                notes += ['removed {}, left by a killed run'.format(name)
                          for name in outdir.clean_leftovers(directory)]
            for note in notes:
                out.say('note: ' + note)
            COMMANDS[args.command](args, out)
        out.finish()
    except (ValueError, OSError, KeyboardInterrupt) as e:
        if created and os.path.isdir(directory) and not os.listdir(directory):
            os.rmdir(directory)  # made by this command, left as it was
        # Under mpiexec every process meets the same bad input (resume
        # errors are agreed collectively), so all exit 2 and one reports.
        # Anything else that escapes aborts the whole job (see distributed).
        if _mpi_rank() == 0:
            print('lstm-chainer {}: {}'.format(args.command, _problem(
                e, directory)), file=sys.stderr)
        _release(e)
        return 130 if isinstance(e, KeyboardInterrupt) else 2
    return 0


def _release(error):
    """Frees what the failed command held: NumPy's half-written npz on a
    full disk complains at exit (``ZipFile.__del__``) after the one line."""
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


def _problem(error, directory):
    """The one line that says what went wrong."""
    if isinstance(error, KeyboardInterrupt):
        return ('interrupted; run the same command again to resume from the '
                'newest snapshot in {}'.format(directory))
    if isinstance(error, OSError):
        where = error.filename or directory
        return 'error: {}: {}'.format(where, error.strerror or error)
    return 'error: {}'.format(error)


def _mpi_rank():
    """This process's rank under mpiexec (0 without MPI)."""
    for name in ('OMPI_COMM_WORLD_RANK', 'PMI_RANK', 'PMIX_RANK'):
        if name in os.environ:
            return int(os.environ[name])
    return 0
