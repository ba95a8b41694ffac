"""The command line's options: ``lstm-chainer train | valid | pred``."""
import argparse

from lstm_chainer.device import versions
from lstm_chainer.forecasting import combination


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line."""

    def error(self, message):
        self.exit(2, '{}: error: {}\n'.format(self.prog, message))


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            'not a number: {!r}'.format(text)) from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            'must be in (0, 1), got {}'.format(text))
    return value


def _levels(text):
    try:
        levels = tuple(sorted({float(v) / 100 for v in text.split(',')}))
    except ValueError:
        raise argparse.ArgumentTypeError(
            'not a list of percentages: {!r}'.format(text)) from None
    if not levels or not all(0 < v < 1 for v in levels):
        raise argparse.ArgumentTypeError(
            'levels must be between 0 and 100 %, got {!r}'.format(text))
    return levels


def _at_least(minimum):
    """An argparse type: an integer >= ``minimum``."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                'invalid int value: {!r}'.format(text)) from None
        if value < minimum:
            raise argparse.ArgumentTypeError('must be >= {}, got {}'.format(
                minimum, value))
        return value
    return parse


COUNT = _at_least(1)


def _columns(text):
    names = [c.strip() for c in text.split(',')]
    if not all(names):
        raise argparse.ArgumentTypeError(
            'empty column name in {!r}'.format(text))
    return names


def build_parser():
    parser = _Parser(prog='lstm-chainer', description=(
        'Train an LSTM on a multivariate time series in a CSV file, '
        'validate its recursive forecasts against persistence, and '
        'forecast past the end of the data.'))
    parser.add_argument('--version', action='version', version=versions(),
                        help='print the versions of lstm_chainer, Chainer, '
                        'NumPy, CuPy (if present) and Python, and exit')
    commands = parser.add_subparsers(dest='command', required=True,
                                      metavar='{train,valid,pred}')

    train = commands.add_parser(
        'train', help='train a model and save it into a directory',
        description='Train on the first part of the series (in time order), '
        'validate on the rest, and save everything needed later into --out. '
        'Running it again on the same --out resumes from the last snapshot.')
    train.add_argument('data', metavar='DATA.csv', help='CSV with a header')
    _output_options(train)
    train.add_argument('--out', required=True, metavar='DIR',
                       help='directory for the model, log and snapshots')
    _data_options(train)
    train.add_argument('--id-column', metavar='NAME',
                       help='long format: the column naming each row\'s '
                       'series; one global model is trained across all of '
                       'them (each series\' last --horizon rows validate it)')
    train.add_argument('--columns', type=_columns, metavar='a,b,c',
                       help='variables to model (default: every numeric '
                       'column except the time column)')
    train.add_argument('--test-size', type=_fraction, default=0.25,
                       help='fraction held out at the end (default 0.25)')
    train.add_argument('--epochs', type=COUNT,
                       help='training epochs (default: 300 iterations per '
                       'ensemble member, fewer for windows so long that '
                       'all members would pass 80,000 window steps)')
    train.add_argument('--n-units', type=COUNT, default=32,
                       help='LSTM units (default 32: on the short real series '
                       'of the benchmark, 100 overfit)')
    train.add_argument('--n-layers', type=COUNT, default=1,
                       help='stacked LSTM layers (default 1)')
    train.add_argument('--dropout', type=float, default=0.0,
                       help='dropout ratio after each LSTM layer (default 0)')
    train.add_argument('--residual', action='store_true',
                       help='predict the change from the last value (for '
                       'finely sampled series that move little per step)')
    train.add_argument('--grad-clip', type=float,
                       help='clip the gradient norm to this value')
    train.add_argument('--early-stopping', type=COUNT, metavar='EPOCHS',
                       help='choose the epochs by early stopping on the last '
                       'quarter of the training part (stop when its loss has '
                       'not improved for this many epochs), then train on '
                       'the whole training part for as many')
    train.add_argument('--seq-len', type=COUNT,
                       help='time steps per training window (default: '
                       'context + horizon)')
    train.add_argument('--support-len', type=_at_least(0),
                       help='last step of a window fed with ground truth; '
                       'later steps get the model\'s own predictions '
                       '(default: context - 1, so that training forecasts '
                       'the horizon as the backtest does)')
    _forecast_options(train)
    train.add_argument('--transform', default='auto', metavar='NAME',
                       help='reversible transform of every column before '
                       'training, undone in every forecast: auto (default: '
                       'chosen per column on the training part), none, diff, '
                       'seasonal-diff, log, log-diff; or per column, e.g. '
                       'sales=log-diff,temp=none')
    train.add_argument('--season', type=_at_least(0), metavar='M',
                       help='season length in rows (default from the time '
                       'column: 12 monthly, 4 quarterly, 52 weekly, 7 daily, '
                       '24 hourly, a day of rows for finer steps; 0: none)')
    train.add_argument('--covariates', type=_columns, metavar='a,b',
                       help='columns the model reads but does not forecast '
                       '(known in advance); pred then needs --future')
    train.add_argument('--static', type=_columns, metavar='a,b',
                       help='with --id-column: columns constant within each '
                       'series (a category, a region) the model reads as '
                       'one-hot inputs')
    train.add_argument('--calendar', metavar='month,...',
                       help='calendar features of the time column the model '
                       'reads as known-future inputs (sine/cosine pairs): '
                       'month, dayofweek, hour, dayofyear')
    train.add_argument('--ensemble', type=COUNT, default=5, metavar='K',
                       help='networks trained from different seeds, their '
                       'forecasts averaged (default 5; 1: a single network)')
    train.add_argument('--levels', type=_levels, default=(0.8, 0.95),
                       metavar='80,95', help='coverage of the prediction '
                       'intervals, in %% (default 80,95)')
    train.add_argument('--classical', action='store_true',
                       help='also backtest ETS (the AICc-chosen form, fitted '
                       'on the training part), from statsmodels (an '
                       'optional extra: pip install statsmodels)')
    train.add_argument('--combine', choices=combination.CHOICES,
                       default='auto', metavar='CHOICE',
                       help='the forecast: the network (none), its mean with '
                       'Theta (mean) or damped ES (mean_damped), the mean of '
                       'the three (mean3), Theta or damped ES alone (theta, '
                       'damped), their mean (classical), or auto (the '
                       'default): chosen on the backtest')
    train.add_argument('--refit', action='store_true',
                       help='after the backtest, train a final model with the '
                       'same settings on all rows (into DIR/refit); pred '
                       'then uses it')
    train.add_argument('--batch-size', type=COUNT, default=16,
                       help='windows per iteration (default 16)')
    train.add_argument('--pred', type=COUNT, default=1,
                       help='how far ahead the model predicts (default 1)')
    train.add_argument('--snap', type=COUNT,
                       help='snapshot interval in epochs (default: a tenth '
                       'of the epochs, 10 at least)')
    train.add_argument('--device', default='-1',
                       help="-1 or @numpy: CPU (default); 0 or @cupy:0: GPU")
    train.add_argument('--seed', type=int, default=0,
                       help='seed of the initial weights and windows')
    train.add_argument('--communicator', metavar='NAME',
                       help='train data-parallel under mpiexec -n N with '
                       'this ChainerMN communicator: naive (CPU) or '
                       'pure_nccl (one GPU per process)')

    valid = commands.add_parser(
        'valid', help='rolling-origin backtest against the baselines',
        description='Backtest the model as forecasts are used: from every '
        'origin of the held-out part (or of the last quarter of --data) it '
        'warms up on the rows before and forecasts the horizon; prints the '
        'MASE per horizon step beside persistence (tomorrow = today), '
        'seasonal naive and drift, and the skill 1 - MASE/MASE_persistence. '
        'Writes valid.csv (MAE, RMSE, MASE, sMAPE per model, horizon and '
        'variable) and valid.png into DIR.')
    valid.add_argument('model_dir', metavar='DIR', help='trained model')
    _output_options(valid)
    valid.add_argument('--levels', type=_levels, default=(0.8, 0.95),
                       metavar='80,95', help='coverage of the prediction '
                       'intervals to score, in %% (default 80,95)')
    valid.add_argument('--data', metavar='CSV',
                       help='validate on this whole file instead')
    _data_options(valid, time_column=False)
    _forecast_options(valid, defaults='the training run\'s')

    pred = commands.add_parser(
        'pred', help='forecast past the end of the data',
        description='Warm the model up on the whole history (the training '
        'data, or --data) and forecast --steps values past its end. Writes '
        'forecast.csv (future timestamps continue the time column) and '
        'forecast.png into DIR.')
    pred.add_argument('model_dir', metavar='DIR', help='trained model')
    _output_options(pred)
    pred.add_argument('--steps', type=COUNT,
                      help='number of future values (default: the horizon '
                      'the model was backtested with)')
    pred.add_argument('--future', metavar='CSV',
                      help='values of the covariates at the forecast times '
                      '(a model trained with --covariates needs them)')
    pred.add_argument('--data', metavar='CSV',
                      help='history to continue (default: the training data)')
    pred.add_argument('--series', type=_columns, metavar='a,b',
                      help='a global model: the series forecast.png shows '
                      '(default: four across the spread of the validation '
                      'errors)')
    _data_options(pred, time_column=False)
    return parser


def _output_options(parser):
    group = parser.add_mutually_exclusive_group()
    group.add_argument('-q', '--quiet', action='store_true',
                       help='print only the final summary line (and errors)')
    group.add_argument('-v', '--verbose', action='store_true',
                       help='print everything: the full log table and '
                       'progress bar while training, every table after')
    group.add_argument('--json', action='store_true',
                       help='print one JSON document on stdout instead of '
                       'text: settings, metrics, files written')


def _forecast_options(parser, defaults=None):
    said = ' (default: {})'.format(defaults) if defaults else ''
    parser.add_argument('--horizon', type=COUNT, metavar='H',
                        help='steps forecast from each backtest origin' + (
                            said or ' (default from the time column: 8 '
                            'quarterly, 18 monthly, 13 weekly, 14 daily, '
                            '48 hourly, 6 yearly, a day for finer steps; else '
                            '10)'))
    parser.add_argument('--context', type=COUNT, metavar='ROWS',
                        help='rows of history the model warms up on before '
                        'each forecast' + (said or ' (default: max(2 '
                        'horizons, 2 seasons, 8))'))
    parser.add_argument('--stride', type=COUNT, default=1, metavar='ROWS',
                        help='rows between backtest origins (default 1)')


def _data_options(parser, time_column=True):
    if time_column:
        parser.add_argument('--time-column', metavar='NAME',
                            help='column of timestamps (dates)')
    parser.add_argument('--fill', choices=['interpolate'],
                        help='fill empty, NaN or non-numeric cells instead '
                        'of refusing')
    parser.add_argument('--sep', metavar='C',
                        help='field separator (default: ; or tab when the '
                        'header has one and no comma, else ,)')
    parser.add_argument('--thousands', metavar='C',
                        help='thousands separator inside numbers, e.g. ,')
    parser.add_argument('--decimal', metavar='C',
                        help='decimal mark (default: , when the separator is '
                        '; and numbers read 12,5 and never 12.5, else .)')
    order = parser.add_mutually_exclusive_group()
    order.add_argument('--dayfirst', dest='dayfirst', action='store_const',
                       const=True, help='dates like 01/02/2018 are day first')
    order.add_argument('--monthfirst', dest='dayfirst', action='store_const',
                       const=False, help='dates like 01/02/2018 are month '
                       'first')
    parser.add_argument('--time-unit', choices=['s', 'ms', 'us', 'ns'],
                        help='a numeric time column holds Unix times in this '
                        'unit (default: from their magnitude)')


