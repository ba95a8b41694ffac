"""Speed: step-by-step vs fused training, recursive validation and the
rolling-origin backtest at length.

Training throughput is measured in time steps per second (one step = one time
step of forward + backward + the optimizer's share), both paths alternating
in the same process so that machine noise hits them alike; the figures are
medians over the rounds. Validation is timed in a fresh process per case, so
that its peak memory is its own.

    python benchmarks/speed.py            # the full table (about 3 minutes)
    python benchmarks/speed.py --quick    # a rough pass (about 30 seconds)

Runs on one thread unless --threads says otherwise.
"""
import argparse
import json
import subprocess
import sys
import time

from _timing import WORKLOADS, parse_timing_args, timing_parser

VALID_LENGTHS = (250_000, 1_000_000)


def parse_args():
    parser = timing_parser(__doc__.splitlines()[0])
    parser.add_argument('--skip-valid', action='store_true')
    parser.add_argument('--skip-backtest', action='store_true')
    parser.add_argument('--valid-child', nargs=2, metavar=('ROWS', 'PATH'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--backtest-child', nargs=2, metavar=('ROWS', 'MODE'),
                        help=argparse.SUPPRESS)
    return parse_timing_args(parser)


ARGS = parse_args()

# lstm_chainer before chainer: it prepares NumPy 2 / Python 3.12.
import lstm_chainer as lc  # noqa: E402, I001
from lstm_chainer.core import fused  # noqa: E402, I001
import chainer  # noqa: E402, I001
import numpy as np  # noqa: E402, I001
from _common import interleaved_rates, make_updater, series  # noqa: E402, I001


class ArrayReference:
    """The fused path's array code with a NumPy Adam: no Chainer at all.

    This is the figure the fused path can approach: what remains between
    the two is Chainer's bookkeeping (function nodes, optimizer, reporter).
    """

    def __init__(self, batch, units, seq_len, support_len):
        np.random.seed(0)
        self.params = [p.array.copy() for p in fused.model_parameters(
            lc.Model(2, 2, units))]
        self.moments = [(np.zeros_like(p), np.zeros_like(p))
                        for p in self.params]
        self.iterator = lc.LSTM_Iterator(
            series(2000), batch_size=batch, seq_len=seq_len,
            support_len=support_len, seed=0)
        self.support_len, self.t = support_len, 0

    def __call__(self):
        xs, ts = self.iterator.next()
        weights = fused._Weights(self.params,
                                 self.support_len + 1 < len(xs))
        window = fused._Window(weights, xs, len(xs), self.support_len, True)
        gy = (2.0 / ts[0].size) * (window.y - ts)
        grads = weights.parameter_grads(window.backward(gy.astype(np.float32)))
        self.t += 1
        fix1, fix2 = 1 - 0.9 ** self.t, 1 - 0.999 ** self.t
        for p, grad, (m, v) in zip(self.params, grads, self.moments):
            m += 0.1 * (grad - m)
            v += 0.001 * (grad * grad - v)
            p -= 0.001 * (m / fix1) / (np.sqrt(v / fix2) + 1e-8)


def training_table():
    rows = []
    for name, batch, units, seq_len, support_len in WORKLOADS:
        if name[1] not in ARGS.workloads:
            continue
        runners = {
            'step': make_updater(batch, units, seq_len, support_len, False
                                 ).update,
            'fused': make_updater(batch, units, seq_len, support_len, True
                                  ).update,
            'array': ArrayReference(batch, units, seq_len, support_len),
        }
        rates = interleaved_rates(runners, seq_len, ARGS.rounds,
                                  ARGS.block_seconds)
        med = {key: float(np.median(v)) for key, v in rates.items()}
        ratio = float(np.median(np.array(rates['fused'])
                                / np.array(rates['step'])))
        rows.append((name, batch, units, seq_len, support_len, med['step'],
                     med['fused'], ratio, med['fused'] / med['array']))
        print('  measured', name, flush=True)
    return rows


def valid_child(rows, path):
    """Runs in a fresh process: times valid() and reports peak memory."""
    import resource
    import tracemalloc
    data = series(rows, seed=1)
    np.random.seed(0)
    model = lc.Model(2, 2, 100)
    tracemalloc.start()
    start = time.perf_counter()
    it = lc.LSTM_Iterator(data, batch_size=4096, seq_len=20, repeat=False)
    table = lc.valid(model, it, fused=(path == 'fused'))
    elapsed = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({'seconds': elapsed, 'traced': traced, 'rss': rss,
                      'windows': it.n_windows,
                      'total_h20': float(table['Total'].iloc[-1])}))


def child(flag, rows, case):
    """Runs ``--<flag> rows case`` in a fresh process; its JSON result."""
    out = subprocess.run(
        [sys.executable, __file__, '--threads', str(ARGS.threads),
         '--' + flag, str(rows), case],
        check=True, capture_output=True, text=True).stdout
    print('  measured', flag, rows, case, flush=True)
    return json.loads(out.strip().splitlines()[-1])


def lengths():
    return VALID_LENGTHS[:1] if ARGS.quick else VALID_LENGTHS


def valid_table():
    rows = []
    for n in lengths():
        for path in ('step', 'fused'):
            result = child('valid-child', n, path)
            rows.append((n, path, result['seconds'],
                         result['windows'] * 20 / result['seconds'],
                         result['traced'] / 2**20, result['rss'] / 2**20))
    return rows


BACKTEST_ORIGINS, BACKTEST_HORIZON = 10_000, 24


def backtest_child(rows, mode):
    """Runs in a fresh process: times backtest() and reports peak RSS.

    Without tracemalloc, which slows this loop-heavy code several times.
    """
    import resource
    data = series(rows, seed=1).astype(np.float64)
    np.random.seed(0)
    stride = (rows // 4) // BACKTEST_ORIGINS
    start = rows - BACKTEST_ORIGINS * stride - BACKTEST_HORIZON
    if mode == 'warm-up':  # one pass over the whole history
        model, context = lc.Model(2, 2, 100), None
    else:  # the CLI's kind of model: 5 members, diff, 48-row windows
        model = lc.Forecaster([lc.Model(2, 2, 100) for _ in range(5)],
                              lc.Scaler.fit(np.diff(data[:1000], axis=0)),
                              transformer=lc.Transformer(['diff', 'diff']))
        context = 48
    start_time = time.perf_counter()
    result = lc.backtest(model, data, BACKTEST_HORIZON, start=start,
                         stride=stride, context=context)
    summary = result.summary()
    elapsed = time.perf_counter() - start_time
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({'seconds': elapsed, 'rss': rss,
                      'origins': len(result.origins),
                      'mase': float(summary.loc['model', 'MASE'])}))


def backtest_table():
    rows = []
    for n in lengths():
        for mode in ('warm-up', 'ensemble'):
            result = child('backtest-child', n, mode)
            rows.append((n, mode, result['origins'], result['seconds'],
                         result['rss'] / 2**20))
    return rows


def main():
    if ARGS.valid_child:
        valid_child(int(ARGS.valid_child[0]), ARGS.valid_child[1])
        return
    if ARGS.backtest_child:
        backtest_child(int(ARGS.backtest_child[0]), ARGS.backtest_child[1])
        return
    print('lstm_chainer speed benchmark: {} thread(s), {} rounds, NumPy {}, '
          'Chainer {}'.format(ARGS.threads, ARGS.rounds, np.__version__,
                              chainer.__version__), flush=True)
    rows = training_table()
    print('\nTraining throughput (time steps/s, median of {} rounds)\n'.format(
        ARGS.rounds))
    print('| workload | batch | units | seq_len | support_len | step-by-step '
          '| fused | fused / step | fused / array code |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for name, b, u, s, sl, step, fz, ratio, of_limit in rows:
        print('| {} | {} | {} | {} | {} | {:,.0f} | {:,.0f} | {:.1f}x | '
              '{:.0%} |'.format(name, b, u, s, sl, step, fz, ratio, of_limit))
    if not ARGS.skip_backtest:
        rows = backtest_table()
        print('\nbacktest() on a long two-variable series ({:,} origins, '
              'horizon {}, naive / seasonal naive / drift beside)\n'
              .format(BACKTEST_ORIGINS, BACKTEST_HORIZON))
        print('| rows | model | origins | seconds | peak RSS MiB |')
        print('|---:|---|---:|---:|---:|')
        for n, mode, origins, sec, rss in rows:
            print('| {:,} | {} | {:,} | {:.1f} | {:.0f} |'.format(
                n, {'warm-up': 'Model, warm-up on all history',
                    'ensemble': '5-member Forecaster, diff, context 48'}[mode],
                origins, sec, rss))
    if ARGS.skip_valid:
        return
    rows = valid_table()
    print('\nvalid() on a long two-variable series (seq_len 20, batches of '
          '4,096 windows)\n')
    print('| rows | path | seconds | window-steps/s | peak traced MiB '
          '| peak RSS MiB |')
    print('|---:|---|---:|---:|---:|---:|')
    for n, path, sec, rate, traced, rss in rows:
        print('| {:,} | {} | {:.1f} | {:,.0f} | {:.0f} | {:.0f} |'.format(
            n, path, sec, rate, traced, rss))
    fused_rows = [r for r in rows if r[1] == 'fused']
    if len(fused_rows) == 2:
        (n1, _, t1, *_), (n2, _, t2, *_) = fused_rows
        print('\nfused valid time ratio {:.2f} for a length ratio {:.2f} '
              '(linear: equal)'.format(t2 / t1, n2 / n1))


if __name__ == '__main__':
    main()
