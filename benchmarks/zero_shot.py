"""Zero-shot: a pretrained network forecasts a competition it never saw.

Every category of ``--competition`` is one collection; the pretrained model
(``--model``: a ``benchmarks/pretrain.py`` run, by default the shipped
weights) forecasts it without training (:func:`lstm_chainer.forecasting.
pretrained.zero_shot`: its network backtested on each series' last
origins picks the classical partners and calibrates the intervals),
scored beside statsforecast's AutoETS and AutoTheta fitted on the same
series in the same run. ``--scratch`` also trains ``fit_global`` on each
category from scratch and ``--finetune`` from the pretrained weights
(before/after in one run, CPU seconds each).

    python benchmarks/zero_shot.py --model runs/no-m3/model --competition m3
    python benchmarks/zero_shot.py --competition tourism --model runs/no-tourism/model
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from mcomp import (  # noqa: E402
    CATEGORIES,
    COMPETITIONS,
    PUBLISHED,
    _statsforecast_python,
    classical_forecasts,
    mase,
    sample,
    smape,
)

SEASONS = {'yearly': 1, 'quarterly': 4, 'monthly': 12, 'other': 1}


def hidden():
    """The hidden check, out of the corpus and of every choice: the twelve
    quarterly US macro series statsmodels ships (1959-2009), the last 8
    quarters held out, as one 'quarterly' collection."""
    import types

    import statsmodels.api as sm
    data = sm.datasets.macrodata.load_pandas().data
    names = [c for c in data.columns if c not in ('year', 'quarter')]
    return {'quarterly': [types.SimpleNamespace(
        sn=name, x=data[name].to_numpy(np.float64)[:-8],
        xx=data[name].to_numpy(np.float64)[-8:], h=8) for name in names]}


def fertility():
    """A second hidden check, out of the corpus and of every choice: the
    World Bank's fertility rates statsmodels ships, the 192 countries with
    every year of 1960-2011, the last 6 years held out, as one 'yearly'
    collection."""
    import types

    import statsmodels.api as sm
    data = sm.datasets.fertility.load_pandas().data
    rates = data.loc[:, '1960':'2011']
    keep = rates.notna().all(axis=1)
    return {'yearly': [types.SimpleNamespace(
        sn=code, x=row.to_numpy(np.float64)[:-6],
        xx=row.to_numpy(np.float64)[-6:], h=6)
        for code, (_, row) in zip(data['Country Code'][keep],
                                  rates[keep].iterrows())]}


HIDDEN = {'hidden': hidden, 'fertility': fertility}


def classical(chosen, python, cache):
    """statsforecast's forecasts, read from ``cache`` when it holds them
    (AutoETS costs minutes on all of M3)."""
    if cache and os.path.isfile(cache):
        with open(cache) as f:
            return json.load(f)
    done = classical_forecasts(chosen, python)
    if cache and done is not None:
        with open(cache, 'w') as f:
            json.dump(done, f)
    return done


def collection_of(group):
    import lstm_chainer as lc
    return lc.Collection.from_series(
        [np.asarray(s.x, dtype=np.float64) for s in group],
        ids=[s.sn for s in group])


def zero_shot_rows(model, chosen):
    """Per series: the zero-shot forecast, the network alone, bounds."""
    from lstm_chainer.forecasting.models.pretrained import zero_shot
    out = {}
    for category, group in chosen.items():
        h, m = int(group[0].h), SEASONS[category]
        collection = collection_of(group)
        start = time.process_time()
        ready, bt, notes = zero_shot(model, collection, h, season=m)
        frame = ready.forecast_frame(collection, h)
        cpu = time.process_time() - start
        forecast = frame[collection.columns[0]].to_numpy().reshape(
            len(group), h).T
        network = ready.network(collection, h)[:, :, 0]
        print('{}: {} series zero-shot in {:.2f} CPU s; {}'.format(
            category, len(group), cpu, notes[0] if notes else ''),
            file=sys.stderr, flush=True)
        lower = frame['y_lower_95'].to_numpy().reshape(len(group), h) \
            if 'y_lower_95' in frame else None
        upper = frame['y_upper_95'].to_numpy().reshape(len(group), h) \
            if 'y_upper_95' in frame else None
        for k, s in enumerate(group):
            out[s.sn] = {'zero-shot': forecast[:, k], 'network': network[:, k],
                         'cpu': cpu / len(group),
                         'lower': None if lower is None else lower[k],
                         'upper': None if upper is None else upper[k]}
    return out


def trained_rows(chosen, init, seed, iterations=None, ensemble=None):
    """Per series: ``fit_global`` from scratch or fine-tuned (``init``:
    ``scratch`` or the pretrained weights' directory)."""
    import lstm_chainer as lc
    out = {}
    for category, group in chosen.items():
        h, m = int(group[0].h), SEASONS[category]
        collection = collection_of(group)
        start = time.process_time()
        result = lc.fit_global(collection, horizon=h, season=m, seed=seed,
                               init=init, iterations=iterations,
                               **({'ensemble': ensemble} if ensemble else {}))
        forecast = result.forecaster.forecast(collection, h)[:, :, 0]
        cpu = time.process_time() - start
        print('{}: {} ({:.0f} CPU s); {}'.format(category, init,
                                                 cpu, result.summary()),
              file=sys.stderr, flush=True)
        for k, s in enumerate(group):
            out[s.sn] = {'forecast': forecast[:, k], 'cpu': cpu / len(group)}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', help='pretrained model directory '
                        '(default: the shipped weights)')
    parser.add_argument('--competition', choices=sorted(COMPETITIONS)
                        + sorted(HIDDEN), default='m3',
                        help='hidden, fertility: the hidden checks of '
                        'hidden() and fertility()')
    parser.add_argument('--per-category', type=int)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cache', help='statsforecast forecasts cached here')
    parser.add_argument('--scratch', action='store_true')
    parser.add_argument('--finetune', action='store_true')
    parser.add_argument('--finetune-model',
                        help='the network fine-tuning starts from (default: '
                        '--model where given, else the shipped one)')
    parser.add_argument('--finetune-iterations', type=int,
                        help='default: fit_global\'s (300 fine-tuned)')
    parser.add_argument('--finetune-ensemble', type=int,
                        help='default: fit_global\'s (2 fine-tuned)')
    parser.add_argument('--statsforecast', default=_statsforecast_python())
    args = parser.parse_args()
    from lstm_chainer.forecasting.models.pretrained import pretrained
    start = time.perf_counter()
    model = pretrained(args.model)
    load_s = time.perf_counter() - start
    print('loaded in {:.2f} s: {}'.format(load_s, args.model or 'shipped'),
          file=sys.stderr)
    chosen = HIDDEN[args.competition]() if args.competition in HIDDEN \
        else sample(args.per_category, args.seed, CATEGORIES,
                    args.competition)
    zs = zero_shot_rows(model, chosen)
    more = {}
    if args.scratch:
        more['scratch'] = trained_rows(chosen, 'scratch', args.seed)
    if args.finetune:
        more['fine-tuned'] = trained_rows(
            chosen, args.finetune_model or args.model or 'pretrained',
            args.seed,
            args.finetune_iterations, args.finetune_ensemble)
    sf = classical(chosen, args.statsforecast, args.cache)
    rows = []
    for category, group in chosen.items():
        m = SEASONS[category]
        for s in group:
            actual = np.asarray(s.xx, dtype=np.float64)
            history = np.asarray(s.x, dtype=np.float64)
            methods = {'zero-shot': zs[s.sn]['zero-shot'],
                       'network': zs[s.sn]['network']}
            for name, table in more.items():
                methods[name] = table[s.sn]['forecast']
            if sf is not None:
                for name in ('AutoETS', 'AutoTheta'):
                    methods[name] = np.asarray(sf['forecasts'][s.sn][name])
            row = {'category': category}
            for name, f in methods.items():
                row[name + ' sMAPE'] = smape(actual, f)
                row[name + ' MASE'] = mase(actual, f, history, m)
            lo, hi = zs[s.sn]['lower'], zs[s.sn]['upper']
            if lo is not None:
                row['coverage 95'] = float(np.mean((actual >= lo)
                                                   & (actual <= hi)))
            rows.append(row)
    table = pd.DataFrame(rows)
    by = table.groupby('category', sort=False).mean()
    by.loc['all'] = table.drop(columns='category').mean()
    pd.set_option('display.width', 200)
    print('{} ({} series), zero-shot from {}'.format(
        args.competition, len(table), args.model or 'the shipped weights'))
    print(by[[c for c in by.columns if 'sMAPE' in c]].round(3).to_string())
    print(by[[c for c in by.columns if 'MASE' in c]].round(3).to_string())
    if 'coverage 95' in by:
        print('zero-shot 95 % coverage: ' + ', '.join(
            '{} {:.3f}'.format(k, v) for k, v in by['coverage 95'].items()))
    cpu = sum(r['cpu'] for r in zs.values())
    line = 'CPU: zero-shot {:.1f} s (load {:.2f} s)'.format(cpu, load_s)
    if sf is not None:
        line += '; AutoETS {:.1f} s, AutoTheta {:.1f} s ({:.0f}x the ' \
            'zero-shot)'.format(sf['cpu_s']['AutoETS'],
                                sf['cpu_s']['AutoTheta'],
                                sf['cpu_s']['AutoETS'] / max(cpu, 1e-9))
    for name, table_ in more.items():
        line += '; {} {:.0f} s'.format(name, sum(r['cpu'] for r in
                                                 table_.values()))
    print(line)
    if args.competition == 'm3':
        for name, values in PUBLISHED.items():
            print('published {}: {}'.format(name, ' / '.join(
                '{:.2f}'.format(v) for v in values)))
        print('published N-BEATS M4->M3 zero-shot (2021): 12.44 (all)')


if __name__ == '__main__':
    main()
