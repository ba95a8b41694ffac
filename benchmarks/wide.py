"""Wide tables: one table of many random-walk columns, trained and
backtested as ``lstm-chainer train`` does it, and the share of the time the
classical partners and baselines of the backtest take.

    python benchmarks/wide.py                  # 10, 100 and 1,000 columns
    python benchmarks/wide.py --columns 10 100

Each size is ``fit_auto`` on ``columns`` random walks x 300 daily rows with
one epoch, 16 units and windows of 10 rows (the issue's command line:
``train --epochs 1 --n-units 16 --seq-len 10``), one thread. The baselines'
time is measured inside the same run (every call of ``baseline_forecasts``
and of a model's partners), the rest is the networks, the data's
preparation and the bookkeeping. The last line is each size's time over the
smallest's, measured side by side in one run.
"""
import argparse
import os
import time

for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_var] = '1'

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import lstm_chainer as lc  # noqa: E402
from lstm_chainer.forecasting.evaluation import backtest  # noqa: E402
from lstm_chainer.forecasting.models import forecaster  # noqa: E402

SPENT = {'baselines': 0.0}


def _timed(function):
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT['baselines'] += time.process_time() - start
    return timed


# Every classical forecast of a backtest passes through one of these.
backtest.baseline_forecasts = _timed(backtest.baseline_forecasts)
forecaster.Forecaster.partners = _timed(forecaster.Forecaster.partners)


def random_walks(columns, rows=300, seed=0):
    """``rows`` daily rows of ``columns`` Gaussian random walks."""
    rng = np.random.default_rng(seed)
    values = 100 + np.cumsum(rng.normal(0, 1, (rows, columns)), axis=0)
    index = pd.date_range('2020-01-01', periods=rows, freq='D')
    return pd.DataFrame(values, index=index,
                        columns=['c{}'.format(j) for j in range(columns)])


def measure(columns):
    """CPU seconds of the whole fit and of its baselines."""
    data = random_walks(columns)
    SPENT['baselines'] = 0.0
    start = time.process_time()
    result = lc.fit_auto(data, epochs=1, n_units=16, seq_len=10, seed=0)
    total = time.process_time() - start
    return {'columns': columns, 'total CPU s': total,
            'baselines CPU s': SPENT['baselines'],
            'network and rest CPU s': total - SPENT['baselines'],
            'origins': len(result.backtest.origins),
            'MASE': float(result.backtest.summary().loc['model', 'MASE'])}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--columns', type=int, nargs='+',
                        default=[10, 100, 1000])
    args = parser.parse_args()
    rows = []
    for columns in args.columns:
        rows.append(measure(columns))
        print(' '.join('{} {:.4g}'.format(k, v) for k, v in rows[-1].items()),
              flush=True)
    table = pd.DataFrame(rows).set_index('columns')
    table['x smallest'] = table['total CPU s'] / table['total CPU s'].iloc[0]
    print()
    print(table.to_string(float_format='{:.3g}'.format))


if __name__ == '__main__':
    main()
