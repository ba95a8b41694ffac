"""What the commands print: text for people, or one JSON document."""
import json
import sys

import numpy

from lstm_chainer.forecasting.auto import (
    calibrate,
    covariates_clause,
    per_variable,
    uncalibrated_note,
    verdict,
)

PROGRAM = 'lstm-chainer train'


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
        if self.quiet:
            return 'none'
        if self.verbose:
            return 'full'
        return 'bar' if sys.stdout.isatty() else 'lines'


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
    out.say(compact.to_string(float_format='{:.3g}'.format))
    mase = result.mase()
    if out.verbose:
        out.say('\nMASE per horizon step (mean over variables):')
        out.say(mase.to_string(float_format='{:.3g}'.format))
    calibrated = calibrate(result, levels)['levels']
    note = uncalibrated_note(levels, calibrated, len(result.origins))
    if note:
        out.say('note: ' + note)
    if len(result.origins) >= 4 and calibrated:
        _, scores = result.intervals('model', levels)
        scores = scores.loc[calibrated]
        out.say('\nconformal intervals started on the first half of the '
                'origins and tracked over the later half: coverage, mean '
                'width and MSIS (scaled like MASE):')
        out.say(scores.rename(index='{:.0%}'.format).to_string(
            float_format='{:.3g}'.format))
        out.doc['intervals'] = {'{:g}'.format(level): row for level, row in
                                scores.to_dict('index').items()}
    summary = result.summary()
    settings = forecaster.settings
    line = verdict(result, forecaster.transformer.names,
                   forecaster.meta.get('backtest', {}).get('season'),
                   forecaster.combination) + covariates_clause(
                       forecaster.covariates, forecaster.combination,
                       settings.combine if settings is not None else 'auto')
    out.final(line)
    out.doc['backtest'] = {
        'origins': len(result.origins), 'horizon': result.horizon,
        'first_origin': str(result.labels[0]),
        'summary': summary.to_dict('index'),
        'per_variable': compact.to_dict('index'),
        'mase_per_horizon': {name: mase[name].tolist() for name in mase},
        'metrics': result.metrics.reset_index().to_dict('records')}
    out.doc['verdict'] = line
