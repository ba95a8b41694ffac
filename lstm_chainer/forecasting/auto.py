"""One call from a table to a validated, calibrated forecaster:
:func:`fit_auto`, the library behind ``lstm-chainer train``."""
from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from typing import Callable

import numpy as np
import pandas as pd

from lstm_chainer._checks import check_int
from lstm_chainer.data.csvdata import split_series
from lstm_chainer.device import get_device
from lstm_chainer.forecasting import combination
from lstm_chainer.forecasting.classical.ets import CLASSICAL
from lstm_chainer.forecasting.classical.regression import regression_forecasts
from lstm_chainer.forecasting.evaluation.backtest import (
    BASELINES,
    Backtest,
    backtest,
    display_name,
)
from lstm_chainer.forecasting.evaluation.intervals import conformal_quantiles, nested
from lstm_chainer.forecasting.models.forecaster import (
    Forecaster,
    check_covariates,
    describe_model,
    fit_forecaster,
    save_model,
)
from lstm_chainer.forecasting.models.pretrained import PATH_VARIABLE, default_pretrained
from lstm_chainer.forecasting.preprocessing.selection import (
    KPSS_CRITICAL,
    KPSS_SEASONAL_CRITICAL,
    SEASONAL_STRENGTH,
    STABILISE_LAMBDA,
    default_season,
    season_name,
)
from lstm_chainer.forecasting.result import FitResult
from lstm_chainer.forecasting.saved import META_FILE, SavedModel
from lstm_chainer.forecasting.settings import (
    Resolution,
    default_epochs,
    resolve_settings,
)
from lstm_chainer.training.snapshots import latest_snapshot
from lstm_chainer.training.threads import training_threads

REFIT_DIR = 'refit'
INNER_DIR = 'inner'  # early stopping's runs on the inner split
# What the Trainer prints: nothing, a progress bar, one line per tenth of
# the epochs, or the bar and the whole log table.
REPORTS = ('none', 'bar', 'lines', 'full')


# One result type for one and many series (its name before 0.8).
AutoResult = FitResult


# The widest table whose backtest scores the pretrained network's zero-shot
# forecasts (one series per column and origin: about 0.3 s per 1,000).
PRETRAINED_COLUMNS = 16


def fit_auto(data: pd.DataFrame, *, covariates=None, refit: bool = False,
             out: str | None = None, device=-1, comm=None,
             source: dict | None = None, log: Callable | None = None,
             report: str = 'none', **overrides) -> FitResult:
    """Trains, backtests and calibrates a forecaster with settings chosen
    from the data.

    The last ``test_size`` of the rows (default 25 %) are held out: the
    settings (season, horizon, context, transforms, window lengths, epochs)
    are resolved from the time step and the training part
    (:func:`~lstm_chainer.forecasting.settings.resolve_settings`), an
    ensemble is trained on the first part, backtested from every origin of
    the held-out part, and conformal intervals are calibrated on that
    backtest. With ``refit=True`` the same settings train a final model on
    all rows.

    Args:
        data (pandas.DataFrame): The series, oldest row first; a
            DatetimeIndex gives the season, horizon and future timestamps.
            A :class:`~lstm_chainer.Collection` (or a long table with
            ``id_column=``) of many series trains one global model.
        covariates (list): Columns read but not forecast (their future
            values are needed to forecast).
        refit (bool): Train the final model on all rows too.
        out (str): Directory for snapshots, logs and the saved model
            (``model.npz``, ``model.json``; the refit into ``out/refit``);
            a run on a directory that holds snapshots resumes. Default: a
            temporary directory, nothing saved.
        device: Device specifier (``-1``: CPU, ``0``: first GPU).
        comm: ChainerMN communicator for data-parallel training (rank 0
            backtests and saves).
        source (dict): Where the data came from (``path``, ``sha256``,
            ``fill``, ``reading``), recorded and checked on resume.
        log (callable): Receives lines about the choices (default: silent).
        report (str): What the Trainer prints: ``none``, ``bar``,
            ``lines`` or ``full``.
        **overrides: Any :class:`AutoSettings` field or rule input
            (``season``, ``horizon``, ``context``, ``transform``,
            ``n_units``, ``ensemble``, ``epochs``, ``seed``, ``levels``,
            ``test_size``, ``calendar``, ...). With ``id_column`` (and
            ``time_column``, ``columns``) ``data`` is a long table of many
            series: :func:`~lstm_chainer.forecasting.models.global_model.fit_global`
            trains one model across them (its settings are
            :class:`~lstm_chainer.forecasting.models.global_model.GlobalSettings`).

    Returns:
        FitResult: The forecaster, its backtest, settings, intervals and
        how the settings were chosen (for one table or many series).
    """
    if report not in REPORTS:
        raise ValueError('report must be one of {}, got {!r}'.format(
            ', '.join(REPORTS), report))
    if 'id_column' in overrides or hasattr(data, 'offsets'):  # many
        return _fit_collection(data, covariates, refit, out, device, comm,
                               log, report, source, overrides)
    log = log or (lambda text: None)
    init = overrides.pop('init', 'pretrained')
    if not (isinstance(init, str) and init in ('pretrained', 'scratch')):
        raise ValueError("init for one table is 'pretrained' (its zero-shot "
                         "forecast is a candidate partner) or 'scratch', got "
                         "{!r} (${} names other weights)".format(
                             init, PATH_VARIABLE))
    overrides.setdefault('pretrained', init == 'pretrained')
    covariates = check_covariates(covariates, data)
    data = data[[c for c in data.columns if c not in covariates]
                + covariates]  # targets first, as the model reads them
    targets = data.columns[:len(data.columns) - len(covariates)].tolist()
    resolution = resolve(data, covariates, **overrides)
    train, test = split_series(data, resolution.settings.test_size)
    log(describe(resolution))
    for note in resolution.notes:
        log('note: ' + note)
    settings = resolution.settings
    if settings.pretrained and len(targets) > PRETRAINED_COLUMNS:
        settings = resolution.settings = dataclasses.replace(
            settings, pretrained=False)
        resolution.notes.append(
            'the pretrained network is not a partner of a table of {} '
            'targets (more than {}: its cost grows with columns x origins)'
            .format(len(targets), PRETRAINED_COLUMNS))
        log('note: ' + resolution.notes[-1])
    # Without out, snapshots and logs go to a directory removed after.
    with contextlib.nullcontext(out) if out is not None else \
            tempfile.TemporaryDirectory(prefix='lstm_chainer-') as directory, \
            training_threads(settings.n_units, get_device(device)):
        previous = check_resumable(directory, settings, targets, source)
        resuming = latest_snapshot(directory) is not None
        if settings.early_stopping:
            settings, note = _epochs_on_inner_split(
                train, settings, resolution.transformer, directory, device,
                comm)
            log('note: ' + note)
            resolution.notes.append(note)
        validated, trainers = _fit(train, settings, resolution.transformer,
                                   directory, device, comm, report, test,
                                   plot=out is not None)
        notes = []
        if resuming:
            notes, settings = _resumed(previous, trainers, settings)
        for note in notes:
            log('note: ' + note)
        result = FitResult(validated, validated, None, settings, {},
                           resolution, resolution.notes + notes, trainers,
                           ignored=list(notes))
        if comm is None or comm.rank == 0:
            _validate(result, data, train, test, source, out, log)
        if refit:
            _refit(result, data, targets, directory, device, comm, report,
                   settings.epochs if settings.early_stopping
                   else overrides.get('epochs'), out, log)
    return result


def resolve(data, covariates=None, **overrides) -> Resolution:
    """The settings a fit would use on ``data``, and why: one function for
    one table and many series, the same names overridden alike.

    Args:
        data: A table (pandas.DataFrame, targets and covariates) or a
            :class:`~lstm_chainer.Collection` of many series.
        covariates (list): Columns read but not forecast.
        **overrides: Settings by name (``season``, ``horizon``,
            ``ensemble``, ...; ``test_size`` and ``transform`` for a
            table).

    Returns:
        Resolution: ``settings`` (:class:`AutoSettings` for a table,
        ``GlobalSettings`` for many series, both
        :class:`~lstm_chainer.forecasting.settings.Settings`) and how they
        were chosen.
    """
    overrides.pop('init', None)  # where training starts, not a setting
    if hasattr(data, 'offsets'):  # a Collection
        from lstm_chainer.forecasting.models.global_model import (
            global_settings,
            resolution_of,
        )
        if covariates:
            overrides['covariates'] = covariates
        return resolution_of(global_settings(data, **overrides), data,
                             overrides, [])
    covariates = check_covariates(covariates, data)
    test_size = overrides.pop('test_size', 0.25)
    train, test = split_series(data, test_size)
    return resolve_settings(data, train, test, covariates,
                            test_size=test_size, **overrides)


def backtest_saved(forecaster: Forecaster, data, horizon: int | None = None,
                   context: int | None = None, stride: int = 1,
                   test_rows: int | None = None) -> Backtest:
    """Backtests a trained forecaster as it was validated.

    Args:
        forecaster (Forecaster): From :func:`fit_auto` or ``load_model``.
        data (pandas.DataFrame): The series, with the model's columns.
        horizon (int): Default: the horizon it was backtested with.
        context (int): Default: the context it was backtested with.
        stride (int): Rows between origins.
        test_rows (int): Held-out rows at the end (default: the last 25 %).

    Returns:
        Backtest: Its forecasts from every origin beside the baselines'.
    """
    saved = forecaster.meta.get('backtest') or {}
    horizon = check_int('horizon', horizon or saved.get('horizon')
                        or forecaster.meta.get('seq_len') or 10, 1)
    context = context or saved.get('context')
    if context is not None:
        check_int('context', context, 1)
    stride = check_int('stride', stride, 1)
    held_out = test_rows or max(1, int(round(0.25 * len(data))))
    start = len(data) - held_out - 1
    return backtest(forecaster, data, horizon, start=start, stride=stride,
                    context=context, season=saved.get('season'),
                    baselines=baselines_of(forecaster.settings),
                    name='model')


def baselines_of(settings):
    """tuple: The baselines a run's backtest scores (ETS with
    ``classical``, the pretrained network with ``pretrained``)."""
    extra = ()
    if settings is not None and settings.classical:
        extra += CLASSICAL
    if settings is not None and settings.pretrained \
            and default_pretrained(zero_shot=True) is not None:
        extra += ('pretrained',)
    return BASELINES + extra


def describe(resolution):
    """str: The lines that say which settings were chosen and why."""
    s = resolution.settings
    season = s.season or 'none ({})'.format(resolution.no_season_because)
    if s.season and s.season == default_season(s.freq):
        season = '{} (one {})'.format(s.season, season_name(s.freq))
    lines = ['season {}, horizon {}, context {} rows; transforms: {}'.format(
        season, s.horizon, s.context, resolution.transformer.describe())]
    if resolution.choice is not None:
        lines.append(
            '  chosen on the training part: seasonal columns whose swing '
            'grows with the level are logged or Box-Cox transformed (lambda '
            '<= {}); levels that pass KPSS (< {}) stay, others are '
            'differenced, seasonally when the season is strong (> {}) and '
            'the seasonal differences pass (< {}):'.format(
                STABILISE_LAMBDA, KPSS_CRITICAL, SEASONAL_STRENGTH,
                KPSS_SEASONAL_CRITICAL))
        lines.append('  ' + resolution.choice.to_string(
            float_format='{:.3g}'.format, na_rep='-').replace('\n', '\n  '))
    return '\n'.join(lines)


def calibrate(result: Backtest, levels, name='model', history=None):
    """Conformal half-widths for forecasts past the data.

    Started on the first half of the backtest's origins and tracked over
    the rest (split conformal on all of them when there are fewer than 4);
    the levels nest, and levels that too few origins can reach are left
    out (:func:`uncalibrated_note` says so).

    Args:
        result (Backtest): The backtest.
        levels (sequence): Coverage levels.
        name (str): The model in ``result``.
        history: The series' rows (targets first); a column never
            negative there gets lower bounds held at 0.

    Returns:
        dict: ``levels``, ``origins``, ``half_widths`` (level as text ->
        ``(H, n)`` nested lists) and ``floor`` (per column 0 or ``None``),
        as ``model.json`` keeps them.
    """
    if len(result.origins) >= 4:
        half, _ = result.intervals(name, levels)
    else:
        half = nested(conformal_quantiles(
            result.forecasts[name] - result.actual, levels))
    finite = {level: h for level, h in half.items() if np.isfinite(h).all()}
    floor = None
    if history is not None:
        values = np.asarray(history, dtype=np.float64)[:, :len(result.columns)]
        floor = [0.0 if (column >= 0).all() else None for column in values.T]
    return {'levels': sorted(finite), 'origins': len(result.origins),
            'half_widths': {repr(level): h.tolist()
                            for level, h in sorted(finite.items())},
            'floor': floor}


def uncalibrated_note(levels, calibrated, origins):
    """The note for levels too few backtest origins reach (or ``None``)."""
    missing = sorted(set(levels) - set(calibrated))
    if not missing:
        return None
    return 'too few backtest origins ({}) to calibrate {} intervals: left ' \
        'out'.format(origins, ', '.join('{:g} %'.format(100 * level)
                                        for level in missing))


def covariates_clause(covariates, weights, combine='auto'):
    """The clause that says a forecast does not use the covariates named
    (``''`` where it does, or none were named)."""
    if not covariates or combination.uses_covariates(weights):
        return ''
    why = 'the candidates that do (the network, the regression on them) ' \
        'scored worse on the backtest' if combine == 'auto' else \
        'combine={}'.format(combine)
    return '; it does not use the covariates {} ({})'.format(
        ', '.join(covariates), why)


def verdict(result: Backtest, transforms=None, season=None,
            weights=None):
    """The one-line summary: does the model beat the naive forecast?

    Args:
        result (Backtest): The backtest (mean MASE over its targets).
        transforms (sequence): The transforms the model was trained with;
            the advice for a losing model then names only what was not
            tried.
        season (int): The season it had (``None``: seasonal differences
            are not advised).
        weights (dict): Its combination (the line says what the forecast
            is made of).

    Returns:
        str: The line; columns whose verdict differs from the whole one's
        are named.
    """
    mase = result.summary()['MASE']
    model, naive = mase['model'], mase['naive']
    drop = ['model', combination.NETWORK]
    # The forecast itself, where it is one baseline.
    alone = [k for k, w in (weights or {}).items() if w == 1]
    baselines = mase.drop(drop + alone, errors='ignore')
    best = baselines.idxmin()
    wins = model < naive
    what = 'the model' if not weights else 'the forecast ({})'.format(
        combination.describe(weights))
    if alone in (['naive'], ['seasonal_naive']):
        return 'summary: the forecast is {} (MASE {:.3g} on the backtest): ' \
            'the candidates with the network, Theta or damped ES scored ' \
            'clearly worse there; next best {} ({:.3g})'.format(
                combination.describe(weights), model, display_name(best),
                baselines[best])
    if wins:
        line = 'summary: {} beats naive (MASE {:.3g} vs {:.3g}, ratio ' \
            '{:.2f})'.format(what, model, naive, model / naive)
        if baselines[best] < model:
            line += '; {} does better still ({:.3g})'.format(
                display_name(best), baselines[best])
        else:
            beaten = [n for n in CLASSICAL + ('theta', 'damped')
                      if n in baselines]
            if beaten:
                line += ', and {}'.format(', '.join(
                    '{} ({:.3g})'.format(display_name(n), baselines[n])
                    for n in beaten))
    else:
        line = 'summary: {} LOSES to naive (MASE {:.3g} vs {:.3g}, ' \
            'ratio {:.2f})'.format(what, model, naive, model / naive)
    if len(result.columns) > 1:
        skill = per_variable(result)['skill'].drop('all')
        other = [(c, k) for c, k in skill.items() if (k > 0) != wins]
        if other:
            # A wide table names the five furthest from the verdict.
            named = sorted(other, key=lambda item: -abs(item[1]))[:5]
            line += '; but {}{} {} it'.format(', '.join(
                '{} (skill {:+.2f})'.format(c, k) for c, k in named),
                ' and {} more columns'.format(len(other) - 5)
                if len(other) > 5 else '', 'loses to' if wins else 'beats')
    if not wins:
        line += '; try ' + _advice(transforms, season)
    return line


def summary_line(result: Backtest, forecaster):
    """str: :func:`verdict` of a saved one-table model's backtest, and
    the clause on covariates its forecast does not use."""
    settings = forecaster.settings
    return verdict(result, forecaster.transformer.names,
                   forecaster.meta.get('backtest', {}).get('season'),
                   forecaster.combination) + covariates_clause(
                       forecaster.covariates, forecaster.combination,
                       settings.combine if settings is not None else 'auto')


def _advice(transforms, season):
    """What a losing model could try that it did not."""
    tried = set(transforms or ())
    ideas = []
    if transforms is None or 'none' in tried:
        ideas.append('the transform diff')
    if season and tried != {'seasonal-diff'}:
        ideas.append('seasonal-diff')
    ideas.append('more epochs')
    return '{}, or another context'.format(', '.join(ideas))


def per_variable(result: Backtest):
    """Per variable (and all): the model's MASE, the best baseline's, the
    skill against naive, and the model's MASE at a few horizons.

    Returns:
        pandas.DataFrame: One row per variable (``all`` when several).
    """
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
    baselines = means.drop(columns=['model', combination.NETWORK],
                           errors='ignore')
    best = baselines.idxmin(axis=1)
    table = pd.DataFrame({
        'model MASE': means['model'],
        'best baseline': best.map(display_name),
        'its MASE': baselines.min(axis=1),
        'skill': 1 - means['model'] / means['naive']},
        index=means.index)
    for h in horizons:
        table['h{}'.format(h)] = by_horizon[h]
    table.index.name = 'variable'
    return table.loc[rows]


def check_resumable(directory, settings, targets, source=None):
    """Refuses a directory that holds a model of other data or settings.

    Returns:
        SavedModel: The record found there, or ``None``.
    """
    if not os.path.isfile(os.path.join(directory, META_FILE)):
        return None
    record = SavedModel.read(directory)
    mismatch = []
    digest = (source or {}).get('sha256')
    if record.data.sha256 and digest and record.data.sha256 != digest:
        mismatch.append('other data ({} had sha256 {}..., {} has {}...)'
                        .format(record.data.path, record.data.sha256[:12],
                                source.get('path'), digest[:12]))
    now = settings.identity(targets)
    before = record.identity()
    mismatch += ['{} {} (now {})'.format(key, before[key], now[key])
                 for key in now if before.get(key, now[key]) != now[key]]
    if mismatch:
        raise ValueError('{} holds a model trained with {}; use another '
                         'output directory'.format(directory,
                                                   ', '.join(mismatch)))
    return record


def _trainer_output(report, epochs):
    if report == 'none':
        return dict(progress=False, print_report=False)
    if report == 'full':
        return dict(progress=True, print_report=True)
    if report == 'bar':
        return dict(progress=True, print_report=False)
    return dict(progress=False, print_report=False,
                epoch_lines=max(1, epochs // 10))


def _fit(train, settings, transformer, directory, device, comm, report,
         test=None, plot=True):
    s = settings
    forecaster, trainers = fit_forecaster(
        train, s.n_units, transformer, test=test, out=directory,
        device=device, comm=comm, plot=plot, **_training(s),
        **_trainer_output(report, s.epochs))
    forecaster.context = s.context
    forecaster.settings = s
    return forecaster, trainers


def _training(s):
    """fit_forecaster's arguments that the settings fix."""
    return dict(
        members=s.ensemble, calendar=list(s.calendar),
        covariates=list(s.covariates), batch_size=s.batch_size,
        seq_len=s.seq_len, support_len=s.support_len, pred=s.pred,
        snap=s.snap, epoch=s.epochs, seed=s.seed, n_layers=s.n_layers,
        dropout=s.dropout, residual=s.residual, grad_clip=s.grad_clip,
        test_seq_len=s.scored_horizon)


def _epochs_on_inner_split(train, settings, transformer, directory, device,
                           comm):
    """Early stopping on the last quarter of the training part (never on
    the held-out part the backtest scores): the settings with the epochs
    the members' validation losses were best at, on average, and a note."""
    s = settings
    inner_train, inner_val = split_series(train, 0.25)
    need = s.seq_len + s.pred + transformer.lag
    if len(inner_train) < need or len(inner_val) <= s.scored_horizon:
        raise ValueError(
            'early stopping validates on the last quarter of the training '
            'part: {} + {} rows are too few for windows of {} and the '
            'horizon {}; leave early stopping out'.format(
                len(inner_train), len(inner_val), need, s.scored_horizon))
    _, trainers = fit_forecaster(
        inner_train, s.n_units, transformer, test=inner_val,
        out=os.path.join(directory, INNER_DIR), device=device, comm=comm,
        early_stopping=s.early_stopping, progress=False, print_report=False,
        plot=False, **_training(s))
    best = None
    if comm is None or comm.rank == 0:
        best = [min(t.get_extension('LogReport').log,
                    key=lambda e: e['validation/main/loss'])['epoch']
                for t in trainers]
    if comm is not None:
        best = comm.bcast_obj(best)
    epochs = max(1, int(round(float(np.mean(best)))))
    return dataclasses.replace(s, epochs=epochs), (
        'early stopping on the last {} training rows chose {} epochs (the '
        'members were best at {}); the model then trained on all {} '
        'training rows'.format(len(inner_val), epochs,
                               ', '.join(map(str, best)), len(train)))


def _resumed(previous, trainers, settings):
    """What a resumed run could not honour, and its settings as run."""
    notes = []
    done = trainers[0].updater.epoch
    if done > settings.epochs:
        notes.append('epochs {} had no effect: the directory already holds '
                     '{} epochs'.format(settings.epochs, done))
    seed = None if previous is None else previous.training.get('seed')
    if seed is not None and seed != settings.seed:
        notes.append('seed {} was ignored: training resumed from the '
                     'snapshots of seed {}'.format(settings.seed, seed))
        settings = dataclasses.replace(settings, seed=seed)
    return notes, settings


def _validate(result, data, train, test, source, out, log):
    """Backtests and calibrates ``result.validated``; saves it to ``out``."""
    s = result.settings
    forecaster = result.validated
    bt = backtest(forecaster, data, s.scored_horizon, start=len(train) - 1,
                  stride=s.stride, context=s.context, season=s.season,
                  baselines=baselines_of(s), name='model')
    _combine(result, bt, log, data)
    summary = bt.summary()
    trainer = result.trainers[0]
    index = data.index
    record = dict(
        columns=forecaster.columns,
        time_column=index.name if isinstance(index, pd.DatetimeIndex)
        else None,
        freq=s.freq, seq_len=s.seq_len, support_len=s.support_len,
        data=dict(source or {}, rows=len(data), test_size=s.test_size,
                  test_rows=len(test)),
        training={'epochs': trainer.updater.epoch,
                  'batch_size': s.batch_size, 'seed': s.seed,
                  'members': s.ensemble,
                  'iterations': trainer.updater.iteration},
        backtest={'season': s.season, 'horizon': s.scored_horizon,
                  'context': s.context, 'stride': s.stride,
                  'summary': {
                      'origins': len(bt.origins),
                      'mase': {k: float(v)
                               for k, v in summary['MASE'].items()},
                      'vs_naive': float(
                          summary.loc['model', 'vs naive'])}},
        intervals=calibrate(bt, s.levels, history=data),
        settings=s.to_dict(), combination=forecaster.combination or None)
    describe_model(forecaster, **record)
    if out is not None:
        save_model(out, forecaster)
    result.backtest = bt
    result.intervals = forecaster.half_widths
    note = uncalibrated_note(s.levels, result.intervals, len(bt.origins))
    if note:
        result.notes.append(note)


def _combine(result, bt, log, data):
    """Chooses the combination on the backtest (``settings.combine``) and
    makes the backtest's ``model`` what the forecaster now forecasts
    (``network`` the network alone), as :func:`backtest` scores it."""
    network = bt.forecasts['model']
    partners = {k: bt.forecasts[k] for k in ('theta', 'damped', 'pretrained')
                if k in bt.forecasts}
    if 'naive' in bt.forecasts:
        partners['naive'] = bt.forecasts['naive']
        partners['seasonal_naive'] = bt.forecasts.get(
            'seasonal_naive', partners['naive'])
    s = result.settings
    if s.covariates:
        partners['regression'] = regression_forecasts(
            data.to_numpy(np.float64), bt.origins, bt.horizon, s.season,
            len(bt.columns))
    default = combination.default_for(s.season, partners)
    weights, name, scores = combination.choose_on(
        network, partners, bt.actual, bt.scale, s.combine, default)
    result.validated.meta['combination'] = weights or None
    if weights:
        others = {k: v for k, v in bt.forecasts.items() if k != 'model'}
        bt.forecasts = {'model': combination.mix(network, partners, weights),
                        combination.NETWORK: network, **others}
    if scores:
        needed = combination.margins(len(bt.origins))
        note = 'the forecast is {}: chosen on the backtest ({} unless ' \
            'another scores {:.0%} lower, the network alone {:.0%}, on its ' \
            '{} origins), where {} (combine=none keeps the network)'.format(
                combination.describe(weights),
                combination.describe(combination.CANDIDATES[default]),
                needed['mean'],
                needed['none'], len(bt.origins), ', '.join(
                    '{} scored MASE {:.3g}'.format(combination.describe(
                        combination.CANDIDATES[k]), score)
                    for k, score in scores.items()))
        note += combination.guard_note(combination.margin_choice(
            scores, len(bt.origins), default), name, scores)
        log('note: ' + note)
        result.notes.append(note)


def _refit(result, data, targets, directory, device, comm, report, epochs,
           out, log):
    """Trains the final model on all rows, with the same settings."""
    s = result.settings
    transformer = s.transformer(targets)
    s = dataclasses.replace(s, epochs=epochs or default_epochs(
        len(data) - transformer.lag, s.seq_len, s.batch_size, s.ensemble))
    where = os.path.join(directory, REFIT_DIR)
    log('\nrefit: training on all {} rows into {}'.format(
        len(data), os.path.join(out, REFIT_DIR) if out else 'memory'))
    forecaster, trainers = _fit(data, s, transformer, where, device, comm,
                                report, plot=out is not None)
    result.trainers = result.trainers + trainers
    result.forecaster = forecaster
    if comm is not None and comm.rank != 0:
        return
    meta = result.validated.meta
    describe_model(forecaster, **dict(
        meta, settings=s.to_dict(),
        training=dict(meta['training'], epochs=s.epochs,
                      iterations=trainers[0].updater.iteration),
        data=dict(meta['data'], test_rows=0)))
    refit = {'dir': REFIT_DIR, 'rows': len(data)}
    describe_model(result.validated, refit=refit)
    if out is not None:
        save_model(where, forecaster)
        # The refit's key alone: the parameters stay as they were.
        result.validated.record.save_json(out)
        log('saved the refitted model to {}; pred uses it'.format(where))


def _fit_collection(data, covariates, refit, out, device, comm, log, report,
                    source, overrides):
    """fit_auto on many series: one global model across them."""
    from lstm_chainer.data.collection import Collection, from_long
    from lstm_chainer.forecasting.models.global_model import fit_global
    if report not in ('none', 'lines'):
        report = 'lines'

    def names(given):
        given = given or []
        return given.split(',') if isinstance(given, str) else list(given)
    covariates = names(covariates)
    if not isinstance(data, Collection):
        data = from_long(data, overrides.pop('id_column'),
                         overrides.pop('time_column', None),
                         overrides.pop('columns', None),
                         covariates=covariates,
                         static=names(overrides.get('static')))
    if covariates:
        overrides['covariates'] = covariates
    return fit_global(data, refit=refit, out=out, device=device, comm=comm,
                      log=log, report=report, source=source, **overrides)
