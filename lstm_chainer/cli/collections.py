"""The commands for a collection (``train --id-column``): one global model
across series, a long ``forecast.csv``, a compact summary."""
import os

import numpy as np
import pandas as pd

import lstm_chainer as lc
from lstm_chainer import plotting
from lstm_chainer._io import atomic_write_all
from lstm_chainer.data import csvdata
from lstm_chainer.data.collection import read_long as read_long_csv
from lstm_chainer.forecasting.models import global_model

# Per-series defaults of the CLI that a global model has its own for.
_PER_SERIES_DEFAULTS = {'ensemble': 5, 'batch_size': 16}
SHOWN = 4  # series forecast.png shows by default


def read_long(path, id_column, time_column, columns, args, covariates=(),
              static=(), freq=None, data=None):
    """The collection in a long CSV file, read with the options given
    (else as the model's training file was: ``data``, its record)."""
    data = data or {}
    return read_long_csv(
        path, id_column, time_column, columns, covariates, static, freq,
        sep=args.sep or data.get('sep'),
        thousands=args.thousands or data.get('thousands'),
        decimal=args.decimal or data.get('decimal'))


def settings_of(args):
    """fit_global's overrides from the train options given."""
    given = {'horizon': args.horizon, 'season': args.season,
             'context': args.context, 'epochs': args.epochs,
             'seed': args.seed, 'combine': args.combine,
             'n_units': args.n_units, 'n_layers': args.n_layers,
             'levels': tuple(args.levels)}
    if args.ensemble != _PER_SERIES_DEFAULTS['ensemble']:
        given['ensemble'] = args.ensemble
    if args.batch_size != _PER_SERIES_DEFAULTS['batch_size']:
        given['batch_size'] = args.batch_size
    for name in ('covariates', 'static', 'calendar'):
        if getattr(args, name, None):
            given[name] = getattr(args, name)
    if args.season == 0:
        given['season'] = 1
    return {k: v for k, v in given.items() if v is not None}


# One table's options that a collection has no use for (each series is
# prepared from its own history, validated on its last horizon), with
# their defaults: given otherwise, they are refused, not ignored.
ONE_TABLE_ONLY = {'transform': 'auto', 'fill': None, 'test_size': 0.25,
                  'early_stopping': None, 'seq_len': None,
                  'support_len': None, 'dropout': 0.0, 'residual': False,
                  'grad_clip': None, 'pred': 1, 'snap': None,
                  'classical': False, 'stride': 1, 'dayfirst': None,
                  'time_unit': None}


def cmd_train_collection(args, out, comm, device):
    given = ['--' + name.replace('_', '-') for name, default
             in ONE_TABLE_ONLY.items() if getattr(args, name, default)
             != default]
    if given:
        raise ValueError('{} {} one table\'s: a long table\'s series are '
                         'each prepared from their own history and validated '
                         'on their last horizon; leave {} out'.format(
                             ', '.join(given), 'is' if len(given) == 1
                             else 'are', 'it' if len(given) == 1
                             else 'them'))
    collection = read_long(args.data, args.id_column, args.time_column,
                           args.columns, args, args.covariates or (),
                           args.static or ())
    if args.season is not None and args.season > 1 and \
            args.season >= collection.lengths.max():
        raise ValueError('season {} is longer than every series (the longest '
                         'has {} rows)'.format(args.season,
                                               collection.lengths.max()))
    out.say('{}: {} series, {} rows, {} target(s) ({}); step {}'.format(
        args.data, len(collection), len(collection.values),
        len(collection.columns), ', '.join(collection.columns),
        collection.freq or 'one row'))
    source = {'path': os.path.abspath(args.data),
              'sha256': csvdata.sha256(args.data), 'sep': args.sep,
              'thousands': args.thousands, 'decimal': args.decimal}
    result = lc.fit_global(collection, refit=args.refit, out=args.out,
                           device=device, comm=comm, log=out.say,
                           report=out.training(), source=source,
                           **settings_of(args))
    if result.backtest is None:
        return
    table = os.path.join(args.out, global_model.SERIES_FILE)
    out.wrote(os.path.join(args.out, 'model.npz'),
              os.path.join(args.out, 'model.json'), table)
    bt = result.backtest
    out.say('\nvalidation on the last {} rows of {} series (per series in '
            '{}):'.format(result.settings.horizon, len(set(bt.ids)), table))
    summary = bt.summary()
    out.say(summary.to_string(float_format='{:.3g}'.format))
    if bt.skipped:
        out.say('note: {} series too short to validate (forecast all the '
                'same): {}'.format(len(bt.skipped), ', '.join(
                    list(bt.skipped)[:5]) + (' ...' if len(bt.skipped) > 5
                                             else '')))
    out.doc['validation'] = summary.to_dict('index')
    out.final(result.summary())


def cmd_pred_collection(args, out):
    forecaster = lc.load_global(args.model_dir)
    data = forecaster.meta.get('data') or {}
    used = 'the model trained without each series\' last {} rows'.format(
        forecaster.settings.horizon)
    if forecaster.meta.get('refit'):
        forecaster = lc.load_global(args.model_dir, refit=True)
        used = 'the model refitted on all rows'
    refuse_unused_future(args, forecaster.settings.covariates)
    collection = model_data(args, data, forecaster.settings)
    note_unseen(forecaster, collection, out)
    steps = args.steps or forecaster.settings.horizon
    future = None
    if forecaster.settings.covariates:
        if not args.future:
            raise ValueError('the model reads covariates ({}): pass --future '
                             'with their values in the next {} rows of '
                             'every series'.format(', '.join(
                                 forecaster.settings.covariates), steps))
        future = read_long(args.future, data.get('id_column'),
                           data.get('time_column'),
                           list(forecaster.settings.covariates), args,
                           freq=forecaster.settings.freq, data=data)
    frame = forecaster.forecast_frame(collection, steps, future=future)
    shown = choose_shown(collection, args.series, args.model_dir, out)
    figure = plotting.collection_figure(collection, frame, shown)
    csv = os.path.join(args.model_dir, 'forecast.csv')
    png = os.path.join(args.model_dir, 'forecast.png')
    atomic_write_all([(csv, lambda tmp: frame.to_csv(tmp, index=False)),
                      (png, figure.savefig)])
    out.wrote(csv, png)
    out.say(frame.head(steps).to_string(index=False,
                                        float_format='{:.6g}'.format))
    out.final('forecast {} steps of {} series by {}; wrote {} (long: id, '
              'time, values, bounds) and forecast.png ({})'.format(
                  steps, len(collection), used, csv, ', '.join(shown)))
    out.doc['model'] = used


def refuse_unused_future(args, covariates):
    """``--future`` for a model that reads no covariates: one line."""
    if args.future and not covariates:
        raise ValueError('--future gives covariates\' values, and the model '
                         'reads none; leave it out')


def model_data(args, data, settings):
    """The collection a command works on: --data, else the training file
    (read with the model's id, time, target and input columns)."""
    path = args.data or data.get('path')
    if path is None:
        raise ValueError('{} does not say what it was trained on: pass '
                         '--data'.format(args.model_dir))
    return read_long(path, data.get('id_column'), data.get('time_column'),
                     data.get('columns'), args, settings.covariates,
                     settings.static, settings.freq, data=data)


def note_unseen(forecaster, collection, out):
    """Says which static categories the model never saw."""
    for name, new in forecaster.inputs.unseen(collection).items():
        out.say('note: {} {} never seen in training: {} (read as none of '
                'the known ones)'.format(len(new), name, ', '.join(
                    new[:5]) + (' ...' if len(new) > 5 else '')))


def choose_shown(collection, asked, model_dir, out):
    """The ids forecast.png shows: those asked for, else a few spread over
    the validation errors (best, quartiles, worst)."""
    ids = list(collection.ids)
    if asked:
        unknown = [i for i in asked if i not in set(ids)]
        if unknown:
            raise ValueError('--series: no series {} in the data'.format(
                ', '.join(map(repr, unknown))))
        return list(asked)
    table = os.path.join(model_dir, global_model.SERIES_FILE)
    if os.path.isfile(table):
        try:
            errors = pd.read_csv(table, dtype={'id': str}).groupby('id')[
                'model MASE'].mean().dropna()
        except (ValueError, KeyError, UnicodeDecodeError) as error:
            out.say('note: {} is not the validation table ({}): '
                    'forecast.png shows the first series'.format(
                        table, str(error).splitlines()[0][:80]))
            return ids[:SHOWN]
        errors = errors[errors.index.isin(ids)].sort_values()
        if len(errors) >= SHOWN:
            picks = np.linspace(0, len(errors) - 1, SHOWN).round().astype(int)
            return list(errors.index[picks])
    return ids[:SHOWN]


def cmd_valid_collection(args, out):
    forecaster = lc.load_global(args.model_dir)
    collection = model_data(args, forecaster.meta.get('data') or {},
                            forecaster.settings)
    note_unseen(forecaster, collection, out)
    bt = lc.backtest_collection(forecaster, collection, args.horizon)
    table = os.path.join(args.model_dir, 'valid.csv')
    atomic_write_all([(table, lambda tmp: bt.table().to_csv(
        tmp, index=False, float_format='%.6g'))])
    out.wrote(table)
    summary = bt.summary()
    out.say('backtest on the last {} rows of {} series:'.format(
        args.horizon or forecaster.settings.horizon, len(set(bt.ids))))
    out.say(summary.to_string(float_format='{:.3g}'.format))
    out.doc['validation'] = summary.to_dict('index')
    out.final(bt.verdict(forecaster.combination) + '; per series in '
              + table)
