"""What the commands print: text for people, or one JSON document."""
import json
import sys

import numpy

from lstm_chainer.forecasting.auto import (
    calibrate,
    per_variable,
    summary_line,
    uncalibrated_note,
)

PROGRAM = 'lstm-chainer train'
FLOAT = '{:.3g}'.format


class Output:
    """What a command prints: text for people, or one JSON document."""

    def __init__(self, args):
        self.json = args.json
        self.quiet = args.quiet or args.json
        self.verbose = args.verbose
        self.doc = {'command': args.command}
        self.files = []

    def mute(self):
        """Prints nothing more (the other ranks under MPI)."""
        self.quiet = True
        self.json = False
        self.muted = True
        self.final = lambda text: None

    def say(self, text=''):
        """Informative text (not under --quiet or --json)."""
        if not self.quiet:
            print(text, flush=True)

    def warn(self, text):
        """What the user asked for and did not get, already said in the
        text: on stderr under --quiet and --json too (not on the other
        ranks under MPI), and in the JSON document."""
        if self.quiet and not getattr(self, 'muted', False):
            print('{}: {}'.format(PROGRAM, text), file=sys.stderr, flush=True)
        self.doc.setdefault('warnings', []).append(text)

    def final(self, text):
        """The final summary (printed under --quiet too)."""
        if not self.json:
            print(text, flush=True)

    def wrote(self, *paths):
        self.files.extend(paths)

    def finish(self):
        if self.json:
            self.doc['files'] = self.files
            print(json.dumps(plain(self.doc)))

    def training(self):
        """What the Trainer prints (``fit_auto(report=)``): a bar on a
        terminal, plain lines in a log."""
        return 'none' if self.quiet else 'full' if self.verbose else \
            'bar' if sys.stdout.isatty() else 'lines'


def plain(value):
    """JSON-ready: NumPy scalars to Python, NaN to null."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, numpy.generic):
        value = value.item()
    if isinstance(value, float) and not numpy.isfinite(value):
        return None
    return value


def report_backtest(result, out, levels, forecaster):
    """Prints the compact summary, the intervals' coverage and the
    verdict; fills the JSON."""
    compact = per_variable(result)
    out.say(compact.to_string(float_format=FLOAT))
    if out.verbose:
        out.say('\nMASE per horizon step (mean over variables):\n'
                + result.mase().to_string(float_format=FLOAT))
    calibrated = calibrate(result, levels)['levels']
    note = uncalibrated_note(levels, calibrated, len(result.origins))
    if note:
        out.say('note: ' + note)
    if len(result.origins) >= 4 and calibrated:
        _intervals(out, result.intervals('model', levels)[1].loc[calibrated],
                   'started on the first half of the origins and tracked '
                   'over the later half')
    line = summary_line(result, forecaster)
    out.final(line)
    out.doc.update(verdict=line, backtest=dict(
        result.to_dict(), per_variable=compact.to_dict('index')))


def _intervals(out, scores, how):
    out.say('\nconformal intervals {}: coverage, mean width and MSIS (scaled '
            'like MASE):\n'.format(how) + scores.rename(
                index='{:.0%}'.format).to_string(float_format=FLOAT))
    out.doc['intervals'] = {'{:g}'.format(level): row for level, row in
                            scores.to_dict('index').items()}


def report_collection(result, out, line, half_widths=None):
    """Prints a collection's validation summary, the intervals' scores
    where ``half_widths`` are given and the final ``line``; fills the
    JSON."""
    summary, skipped = result.summary(), list(result.skipped)
    out.say('\nvalidation on the last {} rows of {} series:\n{}'.format(
        result.horizon, len(set(result.ids)),
        summary.to_string(float_format=FLOAT)))
    if skipped:
        out.say('note: {} series too short to validate (forecast all the '
                'same): {}'.format(len(skipped), ', '.join(skipped[:5])
                                   + ' ...' * (len(skipped) > 5)))
    if half_widths:
        _intervals(out, result.intervals(half_widths), 'of the model')
    out.doc['validation'] = summary.to_dict('index')
    out.final(line)
