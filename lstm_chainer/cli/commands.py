"""The commands: read the files, call the library, report. One table and
a long table of many series (``--id-column``) take the same path; only
what is read and how the validation is printed differ."""
import os

import lstm_chainer as lc
from lstm_chainer import plotting
from lstm_chainer._io import atomic_write_all
from lstm_chainer.cli.output import report_backtest, report_collection
from lstm_chainer.data import csvdata
from lstm_chainer.forecasting.auto import backtest_saved
from lstm_chainer.forecasting.models.global_model import (
    SERIES_FILE,
    GlobalForecaster,
    validation_errors,
)
from lstm_chainer.forecasting.models.pretrained import is_pretrained
from lstm_chainer.forecasting.preprocessing.selection import default_horizon
from lstm_chainer.forecasting.settings import OPTIONS, refuse_for_collection
from lstm_chainer.training.distributed import devices

# A recursive forecast longer than this is noise.
MAX_STEPS = 1_000_000
# What a collection's settings take (its series are each prepared from
# their own history and validated on their last horizon).
COLLECTION_OPTIONS = ('horizon', 'season', 'context', 'epochs', 'seed',
                      'combine', 'n_units', 'n_layers', 'levels', 'ensemble',
                      'batch_size', 'static', 'calendar')
_READING = ('sep', 'thousands', 'decimal', 'dayfirst', 'time_unit')


def cmd_train(args, out):
    comm, device = devices(args.communicator, args.device)
    if comm is not None and comm.rank != 0:
        out.mute()  # rank 0 saves and reports
    many = args.id_column is not None
    given = {k: v for k, v in vars(args).items() if v is not None
             and v is not False and k in OPTIONS + COLLECTION_OPTIONS}
    if many:
        refuse_for_collection('--' + k.replace('_', '-') for k in (
            'fill', 'dayfirst', 'time_unit') if getattr(args, k) is not None)
        data = lc.read_long(args.data, args.id_column, args.time_column,
                            args.columns, args.covariates or (),
                            args.static or (), **_reading(args, 3))
        source = _reading(args, 3)
        out.say('{}: {} series, {} rows, {} target(s) ({}); step {}'.format(
            args.data, len(data), len(data.values), len(data.columns),
            ', '.join(data.columns), data.freq or 'one row'))
    else:
        data = lc.load_csv(args.data, args.columns, args.time_column,
                           args.fill, **_reading(args))
        source = {'fill': args.fill, 'reading': _reading(args)}
        for note in data.attrs.get('notes', []):
            out.say('note: {}: {}'.format(args.data, note))
    source.update(path=os.path.abspath(args.data),
                  sha256=csvdata.sha256(args.data))
    if args.init is not None:
        given['init'] = args.init
    result = lc.fit_auto(data, covariates=args.covariates, refit=args.refit,
                         out=args.out, device=device, comm=comm, source=source,
                         log=out.say, report=out.training(), **given)
    for note in result.ignored:
        out.warn('note: ' + note)
    if result.backtest is None:
        return
    out.doc.update(result.to_dict())
    saved = [args.out] + [os.path.join(args.out, 'refit')] * args.refit
    out.wrote(*(os.path.join(where, name) for where in saved
                for name in ('model.npz', 'model.json')), *(
        [os.path.join(args.out, SERIES_FILE)] if many else []))
    if many:
        return report_collection(result.backtest, out, result.summary())
    out.say('\nsaved the model to {}'.format(args.out))
    out.say('backtest on the last {} rows ({} origins, horizon {}):'.format(
        result.validated.meta['data']['test_rows'],
        len(result.backtest.origins), result.settings.scored_horizon))
    report_backtest(result.backtest, out, result.settings.levels,
                    result.validated)


def _reading(args, first=None):
    """How the CSV is read, beyond columns, time column and fill (a long
    table: the ``first`` 3 options)."""
    return {k: getattr(args, k) for k in _READING[:first]}


def _history(args, model):
    """What a command works on: --data, else the training file, read as
    the model's training file was."""
    if isinstance(model, GlobalForecaster):
        return model.read_data(args.data, **_reading(args))
    return csvdata.load_model_data(model, args.data, args.fill,
                                   _reading(args), where=args.model_dir)


def cmd_valid(args, out):
    model = lc.load_model(args.model_dir)
    data = _history(args, model)
    path = os.path.join(args.model_dir, 'valid.csv')
    if isinstance(model, GlobalForecaster):
        result = lc.backtest_collection(model, data, args.horizon)
        atomic_write_all([(path, lambda tmp: result.table().to_csv(
            tmp, index=False, float_format='%.6g'))])
        out.wrote(path)
        return report_collection(result, out, result.verdict(
            model.combination) + '; per series in ' + path, model.half_widths)
    result = backtest_saved(
        model, data, args.horizon, args.context, args.stride,
        test_rows=model.record.data.test_rows if args.data is None else None)
    ax = plotting.new_axes()
    plotting.plot_backtest(result.mase(), ax=ax)
    figure = os.path.join(args.model_dir, 'valid.png')
    atomic_write_all([(path, result.metrics.to_csv),
                      (figure, ax.figure.savefig)])
    out.wrote(path, figure)
    out.say('Backtest from {} origins (every {} row(s) from row {}), horizon '
            '{}; MASE (mean over horizons) per variable, skill = 1 - '
            'model/naive:'.format(len(result.origins), args.stride,
                                  result.origins[0], result.horizon))
    report_backtest(result, out, args.levels, model)
    out.say('wrote {} (MAE, RMSE, MASE, sMAPE per model, horizon and '
            'variable) and valid.png'.format(path))


def _check_steps(steps):
    if steps is not None and steps > MAX_STEPS:
        raise ValueError('--steps {} is more than {:,}: a recursive forecast '
                         'that long is noise; forecast less'.format(
                             steps, MAX_STEPS))


def cmd_pred(args, out):
    _check_steps(args.steps)
    model = lc.load_model(args.model_dir)
    many, covariates = isinstance(model, GlobalForecaster), model.covariates
    if many:
        trained = model.settings.horizon
        used = 'the model trained without each series\' last {} rows'.format(
            trained)
    else:
        record = model.record
        trained = (record.settings or {}).get('horizon')
        used = 'the model trained on the first {} rows'.format(
            record.data.rows - (record.data.test_rows or 0))
    if args.steps is None:
        args.steps = trained or record.backtest.horizon or record.seq_len \
            or 10
        out.say('forecasting {} steps, the horizon the model was {} with '
                '(--steps to choose)'.format(
                    args.steps, 'trained' if trained else 'backtested'))
    if args.future and not covariates:
        raise ValueError('--future gives covariates\' values, and the model '
                         'reads none; leave it out')
    if covariates and args.future is None:
        raise ValueError('the model reads the covariate(s) {}: pass --future '
                         'FILE with their next {} values{}'.format(
                             ', '.join(map(repr, covariates)), args.steps,
                             ' in every series' if many else ''))
    history = _history(args, model)
    if model.meta.get('refit'):
        model = lc.load_model(args.model_dir, refit=True)
        used = 'the model refitted on all {}'.format(
            'rows' if many else '{} rows ({})'.format(
                record.refit.rows, os.path.join(args.model_dir,
                                                   record.refit.dir)))
    if many:
        known = model.read_data(args.future, future=True, **_reading(
            args)) if covariates else None
        future = lc.forecast(model, history, args.steps, future=known,
                             intervals=bool(model.half_widths))
    else:
        known = lc.load_csv(args.future, covariates, record.time_column,
                            None, **_reading(args)) if covariates else None
        # Another file's own time step, unless it has too few rows to tell.
        freq = record.freq if args.data is None or len(history) < 3 else None
        future = lc.forecast(model, history, args.steps, freq=freq,
                             future=known, intervals=bool(model.half_widths))
    _write_forecast(args, out, history, future, args.model_dir, used,
                    validation_errors(args.model_dir))


def _write_forecast(args, out, history, future, directory, used,
                    errors=None):
    """Writes ``forecast.csv`` and ``.png`` into ``directory`` (both or
    neither) and reports them."""
    many = isinstance(history, lc.Collection)
    if many:
        shown = plotting.series_to_show(history.ids, args.series, errors,
                                        out.say)
        drawing = plotting.collection_figure(history, future, shown)
    else:
        future.index.name = history.index.name or 't'
        drawing, notes = plotting.forecast_figure(history, future)
        future.attrs['notes'] = history.attrs.get('notes', []) + \
            future.attrs.get('notes', []) + notes  # reading's first
    for note in future.attrs.get('notes', []):
        out.say('note: ' + note)
    path = os.path.join(directory, 'forecast.csv')
    atomic_write_all([(path, lambda tmp: future.to_csv(tmp, index=not many)),
                      (os.path.join(directory, 'forecast.png'),
                       drawing.savefig)])
    out.wrote(path, os.path.join(directory, 'forecast.png'))
    out.say((future.head(args.steps) if many else future).to_string(
        index=not many, float_format='{:.6g}'.format))
    out.final('forecast {} steps{} by {}; wrote {} and forecast.png{}'.format(
        args.steps, ' of {} series'.format(len(history)) if many else '',
        used, path, ' ({})'.format(', '.join(shown)) if many else ''))
    out.doc['model'] = used
    if not many:
        out.doc['forecast'] = {
            'index': [str(i) for i in future.index],
            'columns': list(future.columns),
            'values': future.to_numpy().tolist()}


def cmd_forecast(args, out):
    _check_steps(args.steps)
    many = args.id_column is not None
    model, used = lc.pretrained(), 'the pretrained network (zero-shot)'
    if args.model is not None:
        model = lc.load_model(args.model, refit=True)
        used = 'the model in {}'.format(args.model)
    pretrained = is_pretrained(model)
    if model.covariates:
        raise ValueError('the model reads covariates: use `lstm-chainer pred '
                         '--future`')
    if args.season is not None and not pretrained:
        raise ValueError('--season is the pretrained network\'s: a trained '
                         'model keeps its own')
    glob = isinstance(model, GlobalForecaster)  # a table: columns as series
    if many and not glob:
        raise ValueError('the model in {} forecasts one table: leave out '
                         '--id-column'.format(args.model))
    if many:
        history = lc.read_long(args.data, args.id_column, args.time_column,
                               args.columns, **_reading(args, 3))
    elif glob:  # a trained model's long file is refused
        history = lc.load_csv(args.data, args.columns, args.time_column,
                              args.fill, **_reading(args))
        recorded = (model.meta.get('data') or {}).get('id_column')
        if not pretrained and recorded in list(
                history.columns) + history.attrs['text_columns']:
            raise ValueError('the model in {} forecasts many series (the '
                             'file has its id column {!r}): give --id-column'
                             .format(args.model, recorded))
    else:
        history = csvdata.load_model_data(model, args.data, args.fill,
                                          _reading(args), where=args.model)
    if args.steps is None:
        freq = history.freq if many else (
            lc.time_step(history.index) if len(history) > 2 else None)
        args.steps = default_horizon(freq) if pretrained else \
            model.settings.horizon if glob else (
                model.record.backtest.horizon or 10)
        out.say('forecasting {} steps (--steps to choose)'.format(args.steps))
    future = lc.forecast(model, history, args.steps,
                         intervals=pretrained or bool(model.half_widths),
                         **({'season': args.season} if pretrained else {}))
    levels = ['{:g}'.format(100 * v) for v in args.levels]
    notes = future.attrs.get('notes', [])
    future = future[[c for c in future.columns if not any(
        tag in c for tag in ('_lower_', '_upper_'))
        or c.rsplit('_', 1)[-1] in levels]]
    future.attrs['notes'] = notes
    _write_forecast(args, out, history, future, args.out, used)


COMMANDS = {'train': cmd_train, 'valid': cmd_valid, 'pred': cmd_pred,
            'forecast': cmd_forecast}
