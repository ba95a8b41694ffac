"""The commands: read the files, call the library, report."""
import os

import numpy

import lstm_chainer as lc
from lstm_chainer import plotting
from lstm_chainer._io import atomic_write_all
from lstm_chainer.cli import collections
from lstm_chainer.cli.output import report_backtest
from lstm_chainer.data import csvdata
from lstm_chainer.forecasting.auto import backtest_saved
from lstm_chainer.forecasting.models import global_model
from lstm_chainer.forecasting.settings import OPTIONS
from lstm_chainer.training.distributed import create_communicator

# A recursive forecast longer than this is noise.
MAX_STEPS = 1_000_000


def cmd_train(args, out):
    comm, device = _devices(args)
    if comm is not None and comm.rank != 0:
        out.mute()  # rank 0 saves and reports
    if args.id_column is not None:
        return collections.cmd_train_collection(args, out, comm, device)
    if args.static:
        raise ValueError('--static needs --id-column (a static column is '
                         'constant within each series of a long table)')
    data = lc.load_csv(args.data, args.columns, args.time_column, args.fill,
                       **_reading(args))
    for note in data.attrs.get('notes', []):
        out.say('note: {}: {}'.format(args.data, note))
    overrides = {name: getattr(args, name) for name in OPTIONS}
    source = {'path': os.path.abspath(args.data), 'fill': args.fill,
              'sha256': csvdata.sha256(args.data), 'reading': _reading(args)}
    result = lc.fit_auto(data, covariates=args.covariates, refit=args.refit,
                         out=args.out, device=device, comm=comm, source=source,
                         log=out.say, report=out.training(), **overrides)
    for note in result.ignored:
        out.warn('note: ' + note)
    if result.backtest is None:
        return
    out.wrote(*(os.path.join(args.out, name) for name in (
        'model.npz', 'model.json')))
    out.say('\nsaved the model to {}'.format(args.out))
    out.say('backtest on the last {} rows ({} origins, horizon {}):'.format(
        result.validated.meta['data']['test_rows'],
        len(result.backtest.origins), result.settings.scored_horizon))
    report_backtest(result.backtest, out, result.settings.levels,
                    result.validated)
    record = result.validated.meta
    out.doc['settings'] = {k: v for k, v in record.items() if k in (
        'columns', 'time_column', 'freq', 'seq_len', 'support_len',
        'training', 'backtest')}
    out.doc['settings']['transforms'] = dict(zip(
        result.validated.columns, result.settings.transforms))
    if result.resolution.choice is not None:
        out.doc['transform_choice'] = result.resolution.choice.to_dict(
            'index')
    if args.refit:
        out.wrote(*(os.path.join(args.out, record['refit']['dir'], name)
                    for name in ('model.npz', 'model.json')))
        out.doc['refit'] = record['refit']


def _devices(args):
    comm = None
    if args.communicator:
        comm = create_communicator(args.communicator)
        if lc.get_device(args.device).xp is not numpy:
            args.device = '@cupy:{}'.format(comm.intra_rank)  # one per rank
    return comm, lc.get_device(args.device)


def _reading(args):
    """How the CSV is read, beyond columns, time column and fill."""
    return {'sep': args.sep, 'thousands': args.thousands,
            'dayfirst': args.dayfirst, 'time_unit': args.time_unit,
            'decimal': args.decimal}


def _model_data(args, forecaster):
    """The CSV a command works on: --data, else the training file."""
    return csvdata.load_model_data(forecaster, args.data, args.fill,
                                   _reading(args), where=args.model_dir)


def cmd_valid(args, out):
    if global_model.is_global(args.model_dir):
        return collections.cmd_valid_collection(args, out)
    forecaster = lc.load_model(args.model_dir)
    record = forecaster.record
    data = _model_data(args, forecaster)
    result = backtest_saved(
        forecaster, data, args.horizon, args.context, args.stride,
        test_rows=record.data.test_rows if args.data is None else None)
    path = os.path.join(args.model_dir, 'valid.csv')
    ax = plotting.new_axes()
    plotting.plot_backtest(result.mase(), ax=ax)
    figure = os.path.join(args.model_dir, 'valid.png')
    atomic_write_all([(path, result.metrics.to_csv),
                      (figure, ax.figure.savefig)])
    out.wrote(path, figure)
    out.say('Backtest from {} origins (every {} row(s) from row {}), horizon '
            '{}; MASE (mean over horizons) per variable, skill = 1 - '
            'model/persistence:'.format(len(result.origins), args.stride,
                                        result.origins[0], result.horizon))
    report_backtest(result, out, args.levels, forecaster)
    out.say('wrote {} (MAE, RMSE, MASE, sMAPE per model, horizon and '
            'variable) and valid.png'.format(path))


def cmd_pred(args, out):
    if args.steps is not None and args.steps > MAX_STEPS:
        raise ValueError('--steps {} is more than {:,}: a recursive forecast '
                         'that long is noise; forecast less'.format(
                             args.steps, MAX_STEPS))
    if global_model.is_global(args.model_dir):
        return collections.cmd_pred_collection(args, out)
    forecaster = lc.load_model(args.model_dir)
    record = forecaster.record
    if args.steps is None:
        trained = (record.settings or {}).get('horizon')
        args.steps = trained or record.backtest.horizon or record.seq_len \
            or 10
        out.say('forecasting {} steps, the horizon the model was {} with '
                '(--steps to choose)'.format(
                    args.steps, 'trained' if trained else 'backtested'))
    history = _model_data(args, forecaster)
    used = 'the model trained on the first {} rows'.format(
        record.data.rows - (record.data.test_rows or 0))
    if record.refit:
        forecaster = lc.load_model(args.model_dir, refit=True)
        used = 'the model refitted on all {} rows ({})'.format(
            record.refit.rows, os.path.join(args.model_dir,
                                               record.refit.dir))
    # Another file's own time step, unless it has too few rows to tell.
    freq = record.freq if args.data is None or len(history) < 3 else None
    context = record.backtest.context
    if context and len(history) < context + forecaster.lag:
        out.say('note: the history has {} rows, fewer than the {} the model '
                'warms up on (context {}); the forecast rests on less'.format(
                    len(history), context + forecaster.lag, context))
    known = None
    collections.refuse_unused_future(args, forecaster.covariates)
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
        future = lc.with_intervals(point, half_widths, forecaster.floor)
        measured = len(next(iter(half_widths.values())))
        out.say('intervals: conformal, {} from the backtest of the model '
                'trained on the first part{}'.format(
                    ', '.join('{:g} %'.format(100 * k)
                              for k in sorted(half_widths)),
                    '' if args.steps <= measured else '; steps past {} take '
                    'the widths of step {}'.format(measured, measured)))
        held = [c for c, f in zip(point.columns, forecaster.floor or [])
                if f is not None]
        if held:
            out.say('note: lower bounds held at 0 for {}, never negative in '
                    'the training data'.format(', '.join(held)))

    path = os.path.join(args.model_dir, 'forecast.csv')
    drawing, shown = plotting.forecast_figure(history, point, future)
    if shown != point.shape:
        out.say('note: forecast.png shows the first {} of {} variables and '
                '{} of {} steps; forecast.csv has them all'.format(
                    shown[1], point.shape[1], shown[0], len(point)))
    figure = os.path.join(args.model_dir, 'forecast.png')
    atomic_write_all([(path, future.to_csv), (figure, drawing.savefig)])
    out.wrote(path, figure)
    out.say(future.to_string(float_format='{:.6g}'.format))
    out.final('forecast by {}; wrote {} and forecast.png'.format(used, path))
    out.doc['model'] = used
    out.doc['forecast'] = {
        'index': [str(i) for i in future.index],
        'columns': list(future.columns),
        'values': future.to_numpy().tolist()}


COMMANDS = {'train': cmd_train, 'valid': cmd_valid, 'pred': cmd_pred}
