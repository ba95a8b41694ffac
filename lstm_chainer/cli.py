"""Command line: ``lstm-chainer train | valid | pred`` over CSV files.

A thin layer over the public API: every problem with the input ends in one
line on stderr and exit status 2, before anything in the output directory
is touched.
"""
import argparse
import contextlib
import hashlib
import json
import os
import sys

import numpy
import pandas as pd

import lstm_chainer as lc
from lstm_chainer import plotting
from lstm_chainer._checks import check_int
from lstm_chainer._io import atomic_write_all
from lstm_chainer.data import csvdata
from lstm_chainer.forecasting import calendar_features
from lstm_chainer.forecasting.saved import META_FILE, SavedModel
from lstm_chainer.forecasting.selection import (
    KPSS_CRITICAL,
    SEASONAL_STRENGTH,
    choose_transforms,
    default_horizon,
    default_season,
)
from lstm_chainer.training import outdir
from lstm_chainer.training.distributed import create_communicator
from lstm_chainer.training.snapshots import latest_snapshot

REFIT_DIR = 'refit'
# Bounds that keep a command quick and its files usable.
MAX_STEPS = 1_000_000
MAX_PANELS = 10
MAX_PLOTTED_STEPS = 5_000


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
    parser.add_argument('--version', action='version', version=_versions(),
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
    train.add_argument('--columns', type=_columns, metavar='a,b,c',
                       help='variables to model (default: every numeric '
                       'column except the time column)')
    train.add_argument('--test-size', type=_fraction, default=0.25,
                       help='fraction held out at the end (default 0.25)')
    train.add_argument('--epochs', type=int,
                       help='training epochs (default: 300 iterations per '
                       'ensemble member, fewer for windows so long that '
                       'all members would pass 80,000 window steps)')
    train.add_argument('--n-units', type=int, default=32,
                       help='LSTM units (default 32: on the short real series '
                       'of the benchmark, 100 overfit)')
    train.add_argument('--n-layers', type=int, default=1,
                       help='stacked LSTM layers (default 1)')
    train.add_argument('--dropout', type=float, default=0.0,
                       help='dropout ratio after each LSTM layer (default 0)')
    train.add_argument('--residual', action='store_true',
                       help='predict the change from the last value (for '
                       'finely sampled series that move little per step)')
    train.add_argument('--grad-clip', type=float,
                       help='clip the gradient norm to this value')
    train.add_argument('--early-stopping', type=int, metavar='EPOCHS',
                       help='stop when the validation loss has not improved '
                       'for this many epochs')
    train.add_argument('--seq-len', type=int,
                       help='time steps per training window (default: '
                       'context + horizon)')
    train.add_argument('--support-len', type=int,
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
    train.add_argument('--season', type=int, metavar='M',
                       help='season length in rows (default from the time '
                       'column: 12 monthly, 4 quarterly, 52 weekly, 7 daily, '
                       '24 hourly; 0: none)')
    train.add_argument('--covariates', type=_columns, metavar='a,b',
                       help='columns the model reads but does not forecast '
                       '(known in advance); pred then needs --future')
    train.add_argument('--calendar', metavar='month,...',
                       help='calendar features of the time column the model '
                       'reads as known-future inputs (sine/cosine pairs): '
                       'month, dayofweek, hour, dayofyear')
    train.add_argument('--ensemble', type=int, default=5, metavar='K',
                       help='networks trained from different seeds, their '
                       'forecasts averaged (default 5; 1: a single network)')
    train.add_argument('--levels', type=_levels, default=(0.8, 0.95),
                       metavar='80,95', help='coverage of the prediction '
                       'intervals, in %% (default 80,95)')
    train.add_argument('--refit', action='store_true',
                       help='after the backtest, train a final model with the '
                       'same settings on all rows (into DIR/refit); pred '
                       'then uses it')
    train.add_argument('--batch-size', type=int, default=16,
                       help='windows per iteration (default 16)')
    train.add_argument('--pred', type=int, default=1,
                       help='how far ahead the model predicts (default 1)')
    train.add_argument('--snap', type=int, default=10,
                       help='snapshot interval in epochs (default 10)')
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
    pred.add_argument('--steps', type=int, required=True,
                      help='number of future values')
    pred.add_argument('--future', metavar='CSV',
                      help='values of the covariates at the forecast times '
                      '(a model trained with --covariates needs them)')
    pred.add_argument('--data', metavar='CSV',
                      help='history to continue (default: the training data)')
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


def _versions():
    import platform

    import chainer
    try:
        import cupy
        gpu = ', CuPy {}'.format(cupy.__version__)
    except Exception:  # noqa: BLE001 - absent or broken: say nothing
        gpu = ''
    return 'lstm-chainer {} (Chainer {}, NumPy {}{}, Python {})'.format(
        lc.__version__, chainer.__version__, numpy.__version__, gpu,
        platform.python_version())


class _Output:
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
        self.final = lambda text: None

    def say(self, text=''):
        """Informative text (not under --quiet or --json)."""
        if not self.quiet:
            print(text, flush=True)

    def final(self, text):
        """The final summary (printed under --quiet too)."""
        if not self.json:
            print(text, flush=True)

    def wrote(self, *paths):
        self.files.extend(paths)

    def finish(self):
        if self.json:
            self.doc['files'] = self.files
            print(json.dumps(_plain(self.doc)))

    def training(self, epochs):
        """Trainer reporting: a bar on a terminal, plain lines in a log."""
        if self.quiet:
            return dict(progress=False, print_report=False)
        if self.verbose:
            return dict(progress=True, print_report=True)
        if sys.stdout.isatty():
            return dict(progress=True, print_report=False)
        return dict(progress=False, print_report=False,
                    epoch_lines=max(1, epochs // 10))


def _plain(value):
    """JSON-ready: NumPy scalars to Python, NaN to null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, numpy.generic):
        value = value.item()
    if isinstance(value, float) and not numpy.isfinite(value):
        return None
    return value


def _forecast_options(parser, defaults=None):
    said = ' (default: {})'.format(defaults) if defaults else ''
    parser.add_argument('--horizon', type=int, metavar='H',
                        help='steps forecast from each backtest origin' + (
                            said or ' (default from the time column: 8 '
                            'quarterly, 18 monthly, 13 weekly, 14 daily, '
                            '48 hourly, 6 yearly; else 10)'))
    parser.add_argument('--context', type=int, metavar='ROWS',
                        help='rows of history the model warms up on before '
                        'each forecast' + (said or ' (default: max(2 '
                        'horizons, 2 seasons, 8))'))
    parser.add_argument('--stride', type=int, default=1, metavar='ROWS',
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
    order = parser.add_mutually_exclusive_group()
    order.add_argument('--dayfirst', dest='dayfirst', action='store_const',
                       const=True, help='dates like 01/02/2018 are day first')
    order.add_argument('--monthfirst', dest='dayfirst', action='store_const',
                       const=False, help='dates like 01/02/2018 are month '
                       'first')
    parser.add_argument('--time-unit', choices=['s', 'ms', 'us', 'ns'],
                        help='a numeric time column holds Unix times in this '
                        'unit (default: from their magnitude)')


def cmd_train(args, out):
    comm, device = _devices(args)
    data = lc.load_csv(args.data, args.columns, args.time_column, args.fill,
                       **_reading(args))
    for note in data.attrs.get('notes', []):
        out.say('note: {}: {}'.format(args.data, note))
    covariates = _covariates(args.covariates, data)
    data = data[[c for c in data.columns if c not in covariates]
                + covariates]  # targets first, as the model reads them
    train, test = lc.split_series(data, args.test_size)
    settings = _train_settings(args, data, train, test, out)
    settings['covariates'] = covariates
    previous = _check_existing_model(args.out, data, args, settings)
    resuming = latest_snapshot(args.out) is not None
    forecaster, trainers = _fit(train, settings, args, comm, device,
                                args.out, out, test)
    settings['seed'] = args.seed
    if resuming:
        _note_resume(args, out, previous, trainers, settings)
    record = None
    if comm is not None and comm.rank != 0:
        out.mute()  # rank 0 saves and reports; every rank trains the refit
    else:
        record = _report_train(args, out, data, train, test, settings,
                               forecaster, trainers)
    if args.refit:
        _refit(args, data, settings, comm, device, record, out)


def _report_train(args, out, data, train, test, settings, forecaster,
                  trainers):
    """Backtests, saves and reports the trained model; returns its record."""
    result = _backtest(forecaster, data, len(train) - 1, settings)
    summary = _summary(result)
    record = _record(args, data, test, settings, trainers, summary)
    record['intervals'] = _calibrate(result, args.levels)
    lc.save_model(args.out, forecaster, **record)
    out.wrote(*(os.path.join(args.out, name) for name in (
        'model.npz', 'model.json')))
    out.say('\nsaved the model to {}'.format(args.out))
    out.say('backtest on the last {} rows ({} origins, horizon {}):'.format(
        len(test), len(result.origins), settings['horizon']))
    _report_backtest(result, out, args.levels)
    out.doc['settings'] = {k: v for k, v in record.items()
                           if k not in ('data', 'intervals')}
    out.doc['settings']['transforms'] = dict(zip(
        forecaster.columns, settings['transformer'].names))
    if settings['report'] is not None:
        out.doc['transform_choice'] = settings['report'].to_dict('index')
    return record


def _devices(args):
    comm = None
    if args.communicator:
        comm = create_communicator(args.communicator)
        if lc.get_device(args.device).xp is not numpy:
            args.device = '@cupy:{}'.format(comm.intra_rank)  # one per rank
    return comm, lc.get_device(args.device)


def _train_settings(args, data, train, test, out):
    """Every setting of a training run, resolved from options and data."""
    for name in ('n_units', 'n_layers', 'batch_size', 'pred', 'snap',
                 'stride', 'ensemble'):
        check_int('--' + name.replace('_', '-'), getattr(args, name), 1)
    for name in ('epochs', 'seq_len', 'horizon', 'context'):
        if getattr(args, name) is not None:
            check_int('--' + name.replace('_', '-'), getattr(args, name), 1)
    freq = lc.time_step(data.index)
    season, why = _season(args.season, freq, len(train))
    horizon = args.horizon or min(default_horizon(freq),
                                  max(1, len(test) // 2))
    context = args.context or max(2 * horizon, 2 * (season or 0), 8)
    targets = [c for c in train.columns if c not in (args.covariates or [])]
    transformer, report = _transformer(args.transform, train[targets],
                                       season)
    seq_len = args.seq_len or context + horizon
    support_len = context - 1 if args.support_len is None \
        else check_int('--support-len', args.support_len, 0)
    need = seq_len + args.pred + transformer.lag
    if len(train) < need or len(test) <= horizon:
        raise ValueError(
            '{}: {} rows are too few: with --test-size {} the training part '
            'has {} rows and needs seq_len + pred + {} (transform) = {}, the '
            'test part has {} and needs more than the horizon {}'.format(
                args.data, len(data), args.test_size, len(train),
                transformer.lag, need, len(test), horizon))
    if len(train) <= context + transformer.lag:
        context = len(train) - transformer.lag - 1
    epochs = args.epochs or _default_epochs(len(train) - transformer.lag,
                                            seq_len, args, args.ensemble)
    out.say('season {}, horizon {}, context {} rows; transforms: {}'.format(
        season or 'none ({})'.format(why) if why else season, horizon,
        context, transformer.describe()))
    if report is not None:
        out.say('  chosen on the training part: levels that pass KPSS (< {}) '
                'stay, others are differenced, seasonally when the season is '
                'strong (> {}) and the seasonal differences pass:'.format(
                    KPSS_CRITICAL, SEASONAL_STRENGTH))
        out.say('  ' + report.to_string(float_format='{:.3g}'.format,
                                        na_rep='-').replace('\n', '\n  '))
    calendar = []
    if args.calendar:
        calendar = calendar_features.parse(args.calendar)
        if not isinstance(data.index, pd.DatetimeIndex):
            raise ValueError('--calendar needs --time-column')
        calendar_features.features(data.index, calendar)  # checks the step
        if season and set(transformer.names) == {'seasonal-diff'}:
            # Measured on the benchmark's equipment orders: month beside a
            # seasonal difference made MASE worse (0.55 against 0.40).
            redundant = calendar_features.repeating(train.index, calendar,
                                                    season)
            if redundant:
                out.say('note: --calendar {} left out: every column is '
                        'seasonally differenced ({} rows), which already '
                        'removes what {} describe{}'.format(
                            ','.join(redundant), season, ', '.join(redundant),
                            's' if len(redundant) == 1 else ''))
                calendar = [n for n in calendar if n not in redundant]
    return dict(season=season, horizon=horizon, context=context,
                stride=args.stride, transformer=transformer, seq_len=seq_len,
                support_len=support_len, epochs=epochs, freq=freq,
                report=report, calendar=calendar)


def _season(option, freq, n_train):
    """The season and, when there is none, why."""
    if option is not None:
        season = check_int('--season', option, 0)
        if season >= n_train:
            raise ValueError('--season {} is longer than the training part '
                             '({} rows)'.format(season, n_train))
        return (season if season > 1 else None), 'no --season'
    season = default_season(freq)
    if season is None:
        return None, 'no seasonal time step'
    if n_train < 4 * season:
        return None, 'fewer than 4 seasons of {} to train on'.format(season)
    return season, None


def _transformer(spec, train, season):
    if spec == 'auto':
        return choose_transforms(train, season)
    transformer = lc.Transformer.parse(spec, list(train.columns), season)
    transformer.check(train.to_numpy(numpy.float64))
    return transformer, None


def _default_epochs(n_rows, seq_len, args, members):
    """Epochs for 300 iterations per member, fewer (down to 100) where the
    windows are so long that all members together would pass 80,000 window
    steps. More overfits the short series of the benchmark."""
    iterations = max(100, min(300, 80000 // (seq_len * members)))
    return max(1, -(-iterations * args.batch_size // n_rows))


def _fit(train, settings, args, comm, device, directory, out, test=None):
    return lc.fit_forecaster(
        train, args.n_units, settings['transformer'], test=test,
        members=args.ensemble, calendar=settings['calendar'],
        covariates=settings['covariates'],
        device=device, batch_size=args.batch_size, seq_len=settings['seq_len'],
        support_len=settings['support_len'], pred=args.pred, out=directory,
        snap=args.snap, epoch=settings['epochs'], seed=args.seed,
        n_layers=args.n_layers, comm=comm, dropout=args.dropout,
        residual=args.residual, grad_clip=args.grad_clip,
        early_stopping=args.early_stopping,
        test_seq_len=settings['horizon'], **out.training(settings['epochs']))


def _backtest(forecaster, data, start, settings):
    return lc.backtest(forecaster, data, settings['horizon'], start=start,
                       stride=settings['stride'], context=settings['context'],
                       season=settings['season'], name='model')


def _calibrate(result, levels):
    """Conformal half-widths for ``pred``: started on the first half of the
    backtest's origins and tracked over the rest (split conformal on all of
    them when there are too few); levels that too few origins can reach are
    left out."""
    if len(result.origins) >= 4:
        half, _ = result.intervals('model', levels)
    else:
        half = lc.conformal_quantiles(
            result.forecasts['model'] - result.actual, levels)
    finite = {level: h for level, h in half.items() if numpy.isfinite(h).all()}
    return {'levels': sorted(finite), 'origins': len(result.origins),
            'half_widths': {repr(level): h.tolist()
                            for level, h in sorted(finite.items())}}


def _summary(result):
    summary = result.summary()
    return {'origins': len(result.origins),
            'mase': {k: float(v) for k, v in summary['MASE'].items()},
            'vs_persistence': float(summary.loc['model', 'vs persistence'])}


def _record(args, data, test, settings, trainers, summary):
    """What model.json records of a training run (as it was run)."""
    return dict(
        columns=_targets(data, settings), time_column=args.time_column,
        freq=settings['freq'], seq_len=settings['seq_len'],
        support_len=settings['support_len'],
        data={'path': os.path.abspath(args.data), 'rows': len(data),
              'test_size': args.test_size, 'test_rows': len(test),
              'fill': args.fill, 'sha256': _sha256(args.data),
              'reading': _reading(args)},
        training={'epochs': trainers[0].updater.epoch,
                  'batch_size': args.batch_size,
                  'seed': settings['seed'], 'members': args.ensemble,
                  'iterations': trainers[0].updater.iteration},
        backtest={'season': settings['season'],
                  'horizon': settings['horizon'],
                  'context': settings['context'],
                  'stride': settings['stride'], 'summary': summary})


def _report_backtest(result, out, levels):
    """Prints the compact summary, the intervals' coverage and the
    verdict; fills the JSON."""
    compact = _per_variable(result)
    out.say(compact.to_string(float_format='{:.3g}'.format))
    mase = result.mase()
    if out.verbose:
        out.say('\nMASE per horizon step (mean over variables):')
        out.say(mase.to_string(float_format='{:.3g}'.format))
    if len(result.origins) >= 4:
        _, scores = result.intervals('model', levels)
        short = [level for level in scores.index
                 if not numpy.isfinite(scores.loc[level, 'width'])]
        if short:
            out.say('note: too few calibration origins ({}) for {} '
                    'intervals'.format(len(result.origins) // 2, ', '.join(
                        '{:.0%}'.format(level) for level in short)))
            scores = scores.drop(index=short)
        out.say('\nconformal intervals started on the first half of the '
                'origins and tracked over the later half: coverage, mean '
                'width and MSIS (scaled like MASE):')
        out.say(scores.rename(index='{:.0%}'.format).to_string(
            float_format='{:.3g}'.format))
        out.doc['intervals'] = {'{:g}'.format(level): row for level, row in
                                scores.to_dict('index').items()}
    verdict = _verdict(result.summary()['MASE'])
    out.final(verdict)
    summary = result.summary()
    out.doc['backtest'] = {
        'origins': len(result.origins), 'horizon': result.horizon,
        'first_origin': str(result.labels[0]),
        'summary': summary.to_dict('index'),
        'per_variable': compact.to_dict('index'),
        'mase_per_horizon': {name: mase[name].tolist() for name in mase},
        'metrics': result.metrics.reset_index().to_dict('records')}
    out.doc['verdict'] = verdict


def _per_variable(result):
    """Per variable (and all): the model's MASE, the best baseline's, the
    skill against persistence, and the model's MASE at a few horizons."""
    means = result.metrics['MASE'].groupby(level=['model', 'variable']) \
        .mean().unstack('model')
    horizons = sorted({1, (result.horizon + 1) // 2, result.horizon})
    by_horizon = result.metrics['MASE'].xs('model', level='model') \
        .unstack('horizon')[horizons]
    rows = list(result.columns)
    if len(rows) > 1:
        means.loc['all'] = means.mean()
        by_horizon.loc['all'] = by_horizon.mean()
        rows.append('all')
    baselines = means.drop(columns='model')
    best = baselines.idxmin(axis=1)
    table = pd.DataFrame({
        'model MASE': means['model'],
        'best baseline': best.str.replace('_', ' '),
        'its MASE': baselines.min(axis=1),
        'skill': 1 - means['model'] / means['persistence']},
        index=means.index)
    for h in horizons:
        table['h{}'.format(h)] = by_horizon[h]
    table.index.name = 'variable'
    return table.loc[rows]


def _verdict(mase):
    """The one-line summary: does the model beat persistence?"""
    model, persistence = mase['model'], mase['persistence']
    baselines = mase.drop('model')
    best = baselines.idxmin()
    if model < persistence:
        line = 'summary: the model beats persistence (MASE {:.3g} vs {:.3g}, ' \
            'ratio {:.2f})'.format(model, persistence, model / persistence)
        if baselines[best] < model:
            line += '; {} does better still ({:.3g})'.format(
                best.replace('_', ' '), baselines[best])
        return line
    return ('summary: the model LOSES to persistence (MASE {:.3g} vs {:.3g}, '
            'ratio {:.2f}); try --transform diff (or seasonal-diff), more '
            '--epochs, or another --context'.format(
                model, persistence, model / persistence))


def _refit(args, data, settings, comm, device, record, out):
    """Trains the final model on all rows, with the same settings."""
    names = settings['transformer'].names
    settings = dict(settings, transformer=lc.Transformer(
        names, settings['season'], _targets(data, settings)))
    settings['epochs'] = args.epochs or _default_epochs(
        len(data) - settings['transformer'].lag, settings['seq_len'], args,
        args.ensemble)
    directory = os.path.join(args.out, REFIT_DIR)
    out.say('\nrefit: training on all {} rows into {}'.format(len(data),
                                                              directory))
    forecaster, trainers = _fit(data, settings, args, comm, device,
                                directory, out)
    if comm is not None and comm.rank != 0:
        return
    refit = dict(record, training=dict(
        record['training'], epochs=settings['epochs'],
        iterations=trainers[0].updater.iteration))
    refit['data'] = dict(record['data'], test_rows=0)
    lc.save_model(directory, forecaster, **refit)
    record['refit'] = {'dir': REFIT_DIR, 'rows': len(data)}
    lc.save_model(args.out, lc.load_model(args.out), refit=record['refit'])
    out.wrote(os.path.join(directory, 'model.npz'),
              os.path.join(directory, 'model.json'))
    out.doc['refit'] = record['refit']
    out.say('saved the refitted model to {}; pred uses it'.format(directory))


def _covariates(names, data):
    """The covariate columns, checked against the data."""
    names = list(names or [])
    unknown = [c for c in names if c not in data.columns]
    if unknown:
        raise ValueError('unknown covariate column(s) {} (the data has {})'
                         .format(', '.join(map(repr, unknown)),
                                 ', '.join(map(repr, data.columns))))
    if len(names) >= len(data.columns):
        raise ValueError('every column is a covariate: nothing to forecast')
    return names


def _targets(data, settings):
    """The columns a training run forecasts."""
    return [c for c in data.columns if c not in settings['covariates']]


def _reading(args):
    """How the CSV is read, beyond columns, time column and fill."""
    return {'sep': args.sep, 'thousands': args.thousands,
            'dayfirst': args.dayfirst, 'time_unit': args.time_unit}


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _note_resume(args, out, previous, trainers, settings):
    """Says which options a resumed run could not honour."""
    done = trainers[0].updater.epoch
    if done > settings['epochs']:
        out.say('note: --epochs {} had no effect: {} already holds {} '
                'epochs'.format(settings['epochs'], args.out, done))
    if previous is not None and previous.training.get('seed') is not None \
            and previous.training['seed'] != args.seed:
        out.say('note: --seed {} was ignored: training resumed from the '
                'snapshots of seed {}'.format(args.seed,
                                             previous.training['seed']))
        settings['seed'] = previous.training['seed']


def _check_existing_model(out, data, args, settings):
    """Refuses an --out that holds a model of other data or settings;
    returns the record found there (or ``None``)."""
    if not os.path.isfile(os.path.join(out, META_FILE)):
        return None
    record = SavedModel.read(out)
    mismatch = []
    digest = _sha256(args.data)
    if record.data.sha256 and record.data.sha256 != digest:
        mismatch.append('other data ({} had sha256 {}..., {} has {}...)'
                        .format(record.data.path, record.data.sha256[:12],
                                args.data, digest[:12]))
    if record.columns != _targets(data, settings):
        mismatch.append('columns {} (now {})'.format(
            record.columns, _targets(data, settings)))
    if (record.covariates or []) != settings['covariates']:
        mismatch.append('covariates {} (now {})'.format(
            record.covariates or [], settings['covariates']))
    for key, value in (('n_units', args.n_units), ('n_layers', args.n_layers),
                       ('residual', args.residual)):
        if record.model.get(key, False) != value:
            mismatch.append('{} {} (now {})'.format(
                key, record.model.get(key, False), value))
    if record.pred != args.pred:
        mismatch.append('pred {} (now {})'.format(record.pred, args.pred))
    if (record.calendar or []) != settings['calendar']:
        mismatch.append('calendar {} (now {})'.format(record.calendar or [],
                                                      settings['calendar']))
    if record.members != args.ensemble:
        mismatch.append('ensemble {} (now {})'.format(record.members,
                                                      args.ensemble))
    names = (record.transforms or {}).get('names')
    if names is not None and names != settings['transformer'].names:
        mismatch.append('transforms {} (now {})'.format(
            names, settings['transformer'].names))
    if mismatch:
        raise ValueError('{} holds a model trained with {}; use another '
                         '--out'.format(out, ', '.join(mismatch)))
    return record


def _model_data(args, forecaster):
    """The CSV a command works on, read with the model's columns."""
    record = forecaster.record
    time_column = record.time_column
    reading = _reading(args)
    if args.data is not None:
        path, fill = args.data, args.fill
    else:
        path = record.data.path
        fill = args.fill or record.data.fill
        for key, value in (record.data.reading or {}).items():
            if reading[key] is None:
                reading[key] = value
        if not os.path.isfile(path):
            raise ValueError('the training data {} is gone; pass --data'
                             .format(path))
    header = csvdata.read_header(path, reading['sep'])
    missing = [c for c in forecaster.data_columns if c not in header]
    if missing:
        raise ValueError('{}: lacks the column(s) {} that the model in {} was '
                         'trained on ({})'.format(
                             path, ', '.join(map(repr, missing)),
                             args.model_dir, ', '.join(forecaster.columns)))
    data = lc.load_csv(path, forecaster.data_columns, time_column, fill,
                       **reading)
    if args.data is None and len(data) != record.data.rows:
        raise ValueError('{} has {} rows, {} when the model was trained; pass '
                         '--data to use it as it is now'.format(
                             path, len(data), record.data.rows))
    return data


def cmd_valid(args, out):
    forecaster = lc.load_model(args.model_dir)
    record = forecaster.record
    data = _model_data(args, forecaster)
    saved = record.backtest or {}
    horizon = check_int('--horizon', args.horizon or saved.get('horizon')
                        or record.seq_len or 10, 1)
    context = args.context or saved.get('context')
    if context is not None:
        check_int('--context', context, 1)
    stride = check_int('--stride', args.stride, 1)
    if args.data is None and record.data.test_rows:
        start = len(data) - record.data.test_rows - 1
    else:
        start = len(data) - max(1, int(round(0.25 * len(data)))) - 1
    result = lc.backtest(forecaster, data, horizon, start=start,
                         stride=stride, context=context,
                         season=saved.get('season'), name='model')
    path = os.path.join(args.model_dir, 'valid.csv')
    ax = plotting.new_axes()
    plotting.plot_backtest(result.mase(), ax=ax)
    figure = os.path.join(args.model_dir, 'valid.png')
    atomic_write_all([(path, result.metrics.to_csv),
                      (figure, ax.figure.savefig)])
    out.wrote(path, figure)
    out.say('Backtest from {} origins (every {} row(s) from row {}), horizon '
            '{}; MASE (mean over horizons) per variable, skill = 1 - '
            'model/persistence:'.format(len(result.origins), stride, start,
                                        horizon))
    _report_backtest(result, out, args.levels)
    out.say('wrote {} (MAE, RMSE, MASE, sMAPE per model, horizon and '
            'variable) and valid.png'.format(path))


def cmd_pred(args, out):
    check_int('--steps', args.steps, 1)
    if args.steps > MAX_STEPS:
        raise ValueError('--steps {} is more than {:,}: a recursive forecast '
                         'that long is noise; forecast less'.format(
                             args.steps, MAX_STEPS))
    forecaster = lc.load_model(args.model_dir)
    record = forecaster.record
    history = _model_data(args, forecaster)
    used = 'the model trained on the first {} rows'.format(
        record.data.rows - (record.data.test_rows or 0))
    if record.refit:
        directory = os.path.join(args.model_dir, record.refit['dir'])
        forecaster = lc.load_model(directory)
        used = 'the model refitted on all {} rows ({})'.format(
            record.refit['rows'], directory)
    # Another file's own time step, unless it has too few rows to tell.
    freq = record.freq if args.data is None or len(history) < 3 else None
    context = (record.backtest or {}).get('context')
    if context and len(history) < context + forecaster.lag:
        out.say('note: the history has {} rows, fewer than the {} the model '
                'warms up on (context {}); the forecast rests on less'.format(
                    len(history), context + forecaster.lag, context))
    known = None
    if forecaster.covariates:
        if args.future is None:
            raise ValueError('the model reads the covariate(s) {}: pass '
                             '--future FILE with their next {} values'.format(
                                 ', '.join(map(repr, forecaster.covariates)),
                                 args.steps))
        known = lc.load_csv(args.future, forecaster.covariates,
                            record.time_column, None, **_reading(args))
    future = lc.forecast(forecaster, history, args.steps, freq=freq,
                         context=context, future=known)
    future.index.name = history.index.name or 't'
    point = future
    half_widths = forecaster.half_widths
    if half_widths:
        future = lc.with_intervals(point, half_widths)
        measured = len(next(iter(half_widths.values())))
        out.say('intervals: conformal, {} from the backtest of the model '
                'trained on the first part{}'.format(
                    ', '.join('{:g} %'.format(100 * k)
                              for k in sorted(half_widths)),
                    '' if args.steps <= measured else '; steps past {} take '
                    'the widths of step {}'.format(measured, measured)))

    path = os.path.join(args.model_dir, 'forecast.csv')
    shown = point.iloc[:MAX_PLOTTED_STEPS, :MAX_PANELS]
    if shown.shape != point.shape:
        out.say('note: forecast.png shows the first {} of {} variables and '
                '{} of {} steps; forecast.csv has them all'.format(
                    shown.shape[1], point.shape[1], len(shown), len(point)))
    axes = plotting.new_axes_column(shown.shape[1])
    tail = history[shown.columns].iloc[-max(3 * len(shown), 50):]
    plotting.plot_forecast(tail, shown, axes=axes,
                           bounds=future.iloc[:MAX_PLOTTED_STEPS])
    figure = os.path.join(args.model_dir, 'forecast.png')
    atomic_write_all([(path, future.to_csv),
                      (figure, axes[0].figure.savefig)])
    out.wrote(path, figure)
    out.say(future.to_string(float_format='{:.6g}'.format))
    out.final('forecast by {}; wrote {} and forecast.png'.format(used, path))
    out.doc['model'] = used
    out.doc['forecast'] = {
        'index': [str(i) for i in future.index],
        'columns': list(future.columns),
        'values': future.to_numpy().tolist()}


COMMANDS = {'train': cmd_train, 'valid': cmd_valid, 'pred': cmd_pred}


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
        out = _Output(args)
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
        return 130 if isinstance(e, KeyboardInterrupt) else 2
    return 0


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
