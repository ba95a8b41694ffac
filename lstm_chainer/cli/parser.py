"""The command line's options: ``lstm-chainer train | valid | pred``.
Options not given are ``None`` here, resolved from the data by the library
(one table and many series have their own defaults, the help says which)."""
import argparse

from lstm_chainer.device import versions
from lstm_chainer.forecasting import combination


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line."""

    def error(self, message):
        self.exit(2, '{}: error: {}\n'.format(self.prog, message))


def _typed(convert, check, what):
    """An argparse type: ``convert`` the text, then ``check`` the value."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError('{} {!r}'.format(
                what, text)) from None
        problem = check(value)
        if problem:
            raise argparse.ArgumentTypeError(problem.format(text))
        return value
    return parse


def _at_least(minimum):
    return _typed(int, lambda v: v < minimum and 'must be >= {}, got {{}}'
                  .format(minimum), 'invalid int value:')


def _percentages(text):
    return tuple(sorted({float(v) / 100 for v in text.split(',')}))


def _names(text):
    names = [c.strip() for c in text.split(',')]
    if not all(names):
        raise ValueError(text)
    return names


COUNT = _at_least(1)
FRACTION = _typed(float, lambda v: not 0 < v < 1 and 'must be in (0, 1), '
                  'got {}', 'not a number:')
LEVELS = _typed(_percentages, lambda v: not (v and all(0 < x < 1 for x in v))
                and 'levels must be between 0 and 100 %, got {!r}',
                'not a list of percentages:')
COLUMNS = _typed(_names, lambda v: None, 'empty column name in')
_LEVELS = dict(type=LEVELS, default=(0.8, 0.95), metavar='80,95')
_DATA = dict(metavar='CSV', help='work on this file (default: the training '
             'data)')

# (flags, argparse keywords) of train's options: "1:" what one table
# resolves a default to, "N:" what a collection (--id-column) resolves.
TRAIN = [
    ('--id-column', dict(metavar='NAME', help='long format: the column of '
     'series names; one global model learns across all the series')),
    ('--columns', dict(type=COLUMNS, metavar='a,b,c', help='variables to forecast '
     '(default: every numeric column but the time column)')),
    ('--covariates', dict(type=COLUMNS, metavar='a,b', help='columns read but not '
     'forecast (known in advance); pred then needs --future')),
    ('--static', dict(type=COLUMNS, metavar='a,b', help='with --id-column: columns '
     'constant within each series, read as one-hot inputs')),
    ('--calendar', dict(metavar='month,...', help='calendar inputs of the time '
     'column: month, dayofweek, hour, dayofyear')),
    ('--test-size', dict(type=FRACTION, help='one table: held out (default 0.25)')),
    ('--horizon', dict(type=COUNT, metavar='H', help='steps forecast and validated '
     '(default from the time step: 8 quarterly, 18 monthly, 13 weekly, 14 daily, 48 '
     'hourly, 6 yearly; else 10)')),
    ('--context', dict(type=COUNT, metavar='ROWS', help='rows of warm-up before each '
     'forecast (default 1: max(2 horizons, 2 seasons, 8); N: 1.5 horizons, 2 '
     'seasons where longer)')),
    ('--season', dict(type=_at_least(0), metavar='M', help='season in rows (default '
     'from the time step: 12 monthly, 4 quarterly, 52 weekly, 7 daily, 24 hourly; '
     '0: none)')),
    ('--transform', dict(metavar='NAME', help='one table: none, diff, seasonal-diff, '
     'log, log-diff, or per column (sales=log-diff,temp=none); default auto: '
     'chosen per column on the training part')),
    ('--epochs', dict(type=COUNT, help='training epochs (default 1: 300 iterations '
     'per member; N: 1000 iterations, 300 fine-tuned)')),
    ('--early-stopping', dict(type=COUNT, metavar='EPOCHS', help='one table: choose '
     'the epochs by early stopping on the last quarter of the training part')),
    ('--n-units', dict(type=COUNT, help='LSTM units (default 32)')),
    ('--n-layers', dict(type=COUNT, help='LSTM layers (default 1)')),
    ('--dropout', dict(type=float, help='one table: dropout (default 0)')),
    ('--residual', dict(action='store_true', help='one table: predict the '
     'change from the last value')),
    ('--grad-clip', dict(type=float, help='one table: clip the gradient '
     'norm to this value')),
    ('--seq-len', dict(type=COUNT, help='one table: steps per training '
     'window (default context + horizon)')),
    ('--support-len', dict(type=_at_least(0), help='one table: last window '
     'step fed ground truth, later ones predictions (default context - 1)')),
    ('--stride', dict(type=COUNT, metavar='ROWS', help='one table: rows '
     'between backtest origins (default 1)')),
    ('--ensemble', dict(type=COUNT, metavar='K', help='networks from '
     'different seeds, their forecasts averaged (default 1: 5; N: 3, '
     '2 fine-tuned)')),
    ('--levels', dict(**_LEVELS, help='coverage of the prediction intervals, '
     'in %% (default 80,95)')),
    ('--classical', dict(action='store_true', help='one table: also '
     'backtest ETS (statsmodels, an optional extra)')),
    ('--combine', dict(choices=combination.CHOICES, metavar='CHOICE',
     help='the forecast: {} (default auto: chosen on the validation, never '
     'one clearly worse than a baseline)'.format(', '.join(
         combination.CHOICES)))),
    ('--init', dict(metavar='FROM', help='pretrained (default: many series '
     'fine-tune the shipped network where sizes allow; one table backtests '
     'its zero-shot forecast as a partner), scratch, or N: a directory of '
     'pretrained weights')),
    ('--refit', dict(action='store_true', help='then train the final model '
     'on all rows (DIR/refit), which pred uses')),
    ('--batch-size', dict(type=COUNT, help='windows per iteration (default '
     '1: 16; N: 256)')),
    ('--pred', dict(type=COUNT, help='one table: steps ahead (default 1)')),
    ('--snap', dict(type=COUNT, help='one table: snapshot every this many '
     'epochs (default a tenth, 10 at least)')),
    ('--device', dict(default='-1', help='-1 or @numpy: CPU (default); 0 or '
     '@cupy:0: GPU')),
    ('--seed', dict(type=int, default=0, help='seed (default 0)')),
    ('--communicator', dict(metavar='NAME', help='data-parallel under '
     'mpiexec -n N with this ChainerMN communicator: naive (CPU) or '
     'pure_nccl (GPU)')),
]
READING = [
    ('--fill', dict(choices=['interpolate'], help='one table: fill empty or '
     'non-numeric cells instead of refusing')),
    ('--sep', dict(metavar='C', help='field separator (default: ; or tab '
     'when the header has one and no comma, else ,)')),
    ('--thousands', dict(metavar='C', help='thousands separator, e.g. ,')),
    ('--decimal', dict(metavar='C', help='decimal mark (default: , when the '
     'separator is ; and numbers read 12,5, else .)')),
    ('--time-unit', dict(choices=['s', 'ms', 'us', 'ns'], help='one table: a '
     'numeric time column holds Unix times in this unit')),
]
VALID = [
    ('--horizon', dict(type=COUNT, metavar='H', help='steps forecast from '
     'each origin (default: the training run\'s)')),
    ('--context', dict(type=COUNT, metavar='ROWS', help='one table: rows of '
     'warm-up (default: the training run\'s)')),
    ('--stride', dict(type=COUNT, default=1, metavar='ROWS', help='one '
     'table: rows between origins (default 1)')),
    ('--levels', dict(**_LEVELS, help='interval coverages to score, in %% '
     '(default 80,95)')),
    ('--data', _DATA),
]
PRED = [
    ('--steps', dict(type=COUNT, help='future values (default: the horizon '
     'the model was trained or backtested with)')),
    ('--future', dict(metavar='CSV', help='the covariates\' values at the '
     'forecast times (a model with covariates needs them)')),
    ('--data', _DATA),
    ('--series', dict(type=COLUMNS, metavar='a,b', help='many series: those '
     'forecast.png shows (default: four across the validation errors)')),
]
FORECAST = [
    ('--steps', dict(type=COUNT, help='future values (default from the time '
     'step, as train\'s --horizon)')),
    ('--model', dict(metavar='DIR', help='a trained or fine-tuned model '
     'instead of the pretrained network')),
    ('--id-column', dict(metavar='NAME', help='long format: the column of '
     'series names')),
    ('--columns', dict(type=COLUMNS, metavar='a,b,c', help='variables to '
     'forecast (default: every numeric column but the time column)')),
    ('--season', dict(type=_at_least(0), metavar='M', help='the pretrained '
     'network\'s season in rows (default from the time step; 0: none)')),
    ('--levels', dict(**_LEVELS, help='interval coverages written, in %% '
     '(default 80,95)')),
    ('--series', dict(type=COLUMNS, metavar='a,b', help='many series: those '
     'forecast.png shows (default: the first four)')),
]

EXCLUSIVE = [[
    (['--dayfirst'], dict(dest='dayfirst', const=True, action='store_const',
     help='one table: dates like 01/02/2018 are day first')),
    (['--monthfirst'], dict(dest='dayfirst', const=False, action='store_const',
     help='one table: dates like 01/02/2018 are month first'))], [
    (['-q', '--quiet'], dict(action='store_true', help='print only the final '
     'summary line (and errors)')),
    (['-v', '--verbose'], dict(action='store_true', help='print everything: '
     'the log table, the progress bar, every table')),
    (['--json'], dict(action='store_true', help='print one JSON document on '
     'stdout instead: settings, metrics, files written'))]]


def build_parser():
    parser = _Parser(prog='lstm-chainer', description=(
        'Train an LSTM on one multivariate time series or many (a CSV file), '
        'validate its forecasts against the baselines, and forecast past '
        'the end of the data.'))
    parser.add_argument('--version', action='version', version=versions(),
                        help='print the versions of lstm_chainer, Chainer, '
                        'NumPy, CuPy (if present) and Python, and exit')
    commands = parser.add_subparsers(dest='command', required=True,
                                      metavar='{train,valid,pred,forecast}')
    train = commands.add_parser('train', help='train a model and save it '
                                'into DIR (run again: resumes)')
    train.add_argument('data', metavar='DATA.csv', help='CSV with a header')
    train.add_argument('--out', required=True, metavar='DIR',
                       help='directory for the model, log and snapshots')
    train.add_argument('--time-column', metavar='NAME',
                       help='column of timestamps (dates)')
    valid = commands.add_parser('valid', help='backtest against the '
                                'baselines; writes DIR/valid.csv')
    pred = commands.add_parser('pred', help='forecast past the end of the '
                               'data; writes DIR/forecast.csv and .png')
    forecast = commands.add_parser('forecast', help='forecast a CSV with the '
                                   'pretrained network, no training; writes '
                                   'DIR/forecast.csv and .png')
    forecast.add_argument('data', metavar='DATA.csv', help='CSV with a '
                          'header')
    forecast.add_argument('--out', required=True, metavar='DIR',
                          help='directory for forecast.csv and .png')
    forecast.add_argument('--time-column', metavar='NAME',
                          help='column of timestamps (dates)')
    for command, options in ((train, TRAIN), (valid, VALID), (pred, PRED),
                             (forecast, FORECAST)):
        if command not in (train, forecast):
            command.add_argument('model_dir', metavar='DIR',
                                 help='trained model')
        for flags, keywords in options + READING:
            command.add_argument(flags, **keywords)
        for group in EXCLUSIVE:
            exclusive = command.add_mutually_exclusive_group()
            for flags, keywords in group:
                exclusive.add_argument(*flags, **keywords)
    return parser
