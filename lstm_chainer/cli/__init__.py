"""Command line: ``lstm-chainer train | valid | pred | forecast`` over CSV
files, a thin face of the library: options parsed (:mod:`.parser`), the
library called (:mod:`.commands`), results reported (:mod:`.output`). Bad input
ends in one line on stderr and exit 2, the output directory untouched."""
import contextlib
import os
import sys

from lstm_chainer._io import forget_failure
from lstm_chainer.cli.commands import COMMANDS
from lstm_chainer.cli.output import Output
from lstm_chainer.cli.parser import build_parser
from lstm_chainer.training import outdir
from lstm_chainer.training.distributed import mpi_rank

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
    writes = args.command in ('train', 'forecast')
    directory = args.out if writes else args.model_dir
    created = False
    try:
        out = Output(args)
        if writes or os.path.isdir(directory):
            created = not os.path.exists(directory)
            outdir.check_writable(directory)
        lock = outdir.locked(directory) if mpi_rank() == 0 and \
            os.path.isdir(directory) else contextlib.nullcontext([])
        with lock as notes:
            if mpi_rank() == 0:
                notes += ['removed {}, left by a killed run'.format(name)
                          for name in outdir.clean_leftovers(directory)]
            for note in notes:
                out.say('note: ' + note)
            COMMANDS[args.command](args, out)
        out.finish()
    except (ValueError, OSError, KeyboardInterrupt) as e:
        if created and os.path.isdir(directory) and not os.listdir(directory):
            os.rmdir(directory)  # made by this command, left as it was
        # Under mpiexec every process meets the same bad input, so all exit
        # 2 and one reports; anything else aborts the job (distributed).
        if mpi_rank() == 0:
            print('lstm-chainer {}: {}'.format(args.command, _problem(
                e, directory)), file=sys.stderr)
        forget_failure(e)
        return 130 if isinstance(e, KeyboardInterrupt) else 2
    return 0


def _problem(error, directory):
    """The one line that says what went wrong."""
    if isinstance(error, KeyboardInterrupt):
        return ('interrupted; run the same command again to resume from the '
                'newest snapshot in {}'.format(directory))
    if isinstance(error, OSError):
        return 'error: {}: {}'.format(error.filename or directory,
                                      error.strerror or error)
    return 'error: {}'.format(error)
