"""Collections at scale: 100,000 synthetic series through a global model.

    python benchmarks/many_series.py                  # 100,000 series
    python benchmarks/many_series.py --series 20000 --seconds 3
    python benchmarks/many_series.py --mpi            # + 1 vs 2 ranks

Series of 100-300 rows (M4's monthly lengths), a trend, a season of 12 with
a random phase and amplitude and autocorrelated noise, multiplicative
(positive), built as one flat :class:`~lstm_chainer.Collection`. Printed,
all measured in this run on one thread:

* the time to build the collection from a long DataFrame and to prepare
  every series (log, seasonal test and indices);
* training throughput (windows/s) of the global model's iterator and
  updater beside the single-series fused path at the same batch, units
  and window length (one long series, :class:`~lstm_chainer.LSTM_Iterator`),
  rounds interleaved so that noise hits both alike; for each workload the
  useful FLOP rate of a training step (the products of the textbook
  step-by-step window, forward and twice that backward) beside one-thread
  SGEMM at a step's shape ``(batch, U) x (U, 4U)`` and at the warm-up's
  (``batch x context`` rows: the fused path batches those steps, and its
  fed-back steps fold two products into one, so the step can exceed the
  first);
* forecast (the network) and backtest (every series' last horizon beside
  naive, seasonal naive and Theta) of all series;
* peak resident memory;
* with ``--mpi``: windows/s of 1 and 2 ChainerMN ranks, each drawing from
  its own shard of whole series.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

# name: batch, units, context, horizon
WORKLOADS = {'default': (256, 32, 36, 18), 'large': (64, 256, 36, 18)}


def synthetic(n_series, seed=0, low=100, high=300):
    """The long DataFrame of ``n_series`` monthly series."""
    import pandas as pd
    rng = np.random.default_rng(seed)
    lengths = rng.integers(low, high + 1, n_series)
    total = int(lengths.sum())
    owner = np.repeat(np.arange(n_series), lengths)
    t = np.arange(total) - np.repeat(np.r_[0, np.cumsum(lengths)[:-1]],
                                     lengths)
    level = rng.uniform(1, 4, n_series)[owner]
    trend = rng.normal(0, 0.004, n_series)[owner]
    amplitude = rng.uniform(0, 0.3, n_series)[owner]
    phase = rng.uniform(0, 2 * np.pi, n_series)[owner]
    noise = rng.normal(0, 0.05, total)
    # AR(1) noise per series, vectorised over series by a short filter.
    for _ in range(3):
        noise[1:] = noise[1:] + 0.5 * np.where(t[1:] > 0, noise[:-1], 0)
    log_y = level + trend * t + amplitude * np.sin(2 * np.pi * t / 12
                                                   + phase) + noise
    starts = pd.Timestamp('2000-01-01').to_period('M').ordinal \
        + rng.integers(0, 120, n_series)
    months = pd.PeriodIndex.from_ordinals(np.repeat(starts, lengths) + t,
                                          freq='M').to_timestamp()
    ids = pd.Categorical.from_codes(owner, categories=[
        's{}'.format(i) for i in range(n_series)])
    return pd.DataFrame({'id': ids, 'month': months, 'y': np.exp(log_y)})


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_flops(batch, units, steps, n_in=1, n_out=1):
    """Useful FLOPs of a training step: every product of the unrolled
    window, forward and the two backward products (3x forward)."""
    per_step = 2 * batch * (n_in * units + 8 * units * units
                            + units * n_out)
    return 3 * per_step * steps


def updaters(z, offsets, batch, units, context, horizon):
    """The global updater and the single-series fused one, same shapes."""
    import lstm_chainer as lc
    from lstm_chainer.core.collection_iterator import CollectionIterator
    runners = {}
    np.random.seed(0)
    model = lc.Model(1, 1, units)
    optimizer = lc.FlatAdam()
    optimizer.setup(lc.LossFuncL(model))
    it = CollectionIterator(z, offsets, batch, context, horizon, seed=0)
    runners['global'] = lc.LSTM_updater(it, optimizer).update
    np.random.seed(0)
    model = lc.Model(1, 1, units)
    optimizer = lc.FlatAdam()
    optimizer.setup(lc.LossFuncL(model))
    one = z[:200_000].astype(np.float32)
    it = lc.LSTM_Iterator(one, batch_size=batch,
                          seq_len=context + horizon - 1,
                          support_len=context - 1, seed=0)
    runners['single series'] = lc.LSTM_updater(it, optimizer).update
    return runners


def training_table(z, offsets, seconds, rounds):
    from _common import interleaved_rates, sgemm_rate
    print('\ntraining throughput, one thread (median of {} interleaved '
          'rounds of {:g} s)'.format(rounds, seconds))
    print('| workload | batch x units | global windows/s | single-series '
          'windows/s | ratio | step GFLOP/s | SGEMM GFLOP/s (step / '
          'warm-up shape) | of SGEMM (step / warm-up) |')
    print('|---|---|---:|---:|---:|---:|---:|---:|')
    for name, (batch, units, context, horizon) in WORKLOADS.items():
        runners = updaters(z, offsets, batch, units, context, horizon)
        rates = interleaved_rates(runners, 1, rounds, seconds)
        its = {k: float(np.median(v)) for k, v in rates.items()}
        steps = context + horizon - 1
        flops = step_flops(batch, units, steps) * its['global']
        sgemm = sgemm_rate(batch, units, seconds)
        batched = sgemm_rate(batch * context, units, seconds)
        print('| {} | {} x {} | {:,.0f} | {:,.0f} | {:.2f} | {:.1f} | {:.1f} '
              '/ {:.1f} | {:.0%} / {:.0%} |'.format(
                  name, batch, units, its['global'] * batch,
                  its['single series'] * batch,
                  its['global'] / its['single series'], flops / 1e9,
                  sgemm / 1e9, batched / 1e9, flops / sgemm,
                  flops / batched))


def mpi_child(args):
    import lstm_chainer as lc  # noqa: I001
    from lstm_chainer.training import distributed  # noqa: I001
    from mpi4py import MPI
    from _common import timed_block
    from lstm_chainer.core.collection_iterator import CollectionIterator
    from lstm_chainer.forecasting.preprocessing.series_prep import fit_prep
    comm = distributed.create_communicator('naive')
    frame = synthetic(args.series, seed=0)
    c = lc.from_long(frame, 'id', 'month')
    z = fit_prep(c.values, c.offsets, 12).transform(c.values, c.offsets)
    batch, units, context, horizon = WORKLOADS[args.workload]
    np.random.seed(0)
    model = lc.Model(1, 1, units)
    target = lc.LossFuncL(model)
    optimizer = lc.FlatAdam()
    optimizer.setup(target)
    optimizer = distributed.multi_node_optimizer(optimizer, comm, target)
    it = CollectionIterator(z, c.offsets, batch, context, horizon,
                            seed=distributed.rank_seed(0, comm.rank),
                            shard=(comm.rank, comm.size))
    updater = lc.LSTM_updater(it, optimizer)
    for _ in range(3):
        updater.update()
    comm.mpi_comm.Barrier()
    calls, elapsed = timed_block(updater.update, args.seconds,
                                 sync=comm.mpi_comm.Barrier)
    elapsed = comm.mpi_comm.allreduce(elapsed, op=MPI.MAX)
    if comm.rank == 0:
        print(json.dumps({'processes': comm.size, 'windows_per_s':
                          calls * batch * comm.size / elapsed}))


def mpi_table(args):
    from mpi_scaling import mpiexec
    rows = []
    for n in (1, 2):
        out = subprocess.run(
            mpiexec(n) + [sys.executable, __file__, '--mpi-child',
                          '--series', str(min(args.series, 20000)),
                          '--seconds', str(args.seconds), '--workload',
                          args.workload],
            check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    base = rows[0]['windows_per_s']
    print('\nChainerMN, shards of whole series, workload {} (batch per '
          'rank), one thread a rank'.format(args.workload))
    print('| ranks | windows/s | speed-up |')
    print('|---:|---:|---:|')
    for row in rows:
        print('| {} | {:,.0f} | {:.2f}x |'.format(
            row['processes'], row['windows_per_s'],
            row['windows_per_s'] / base))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--series', type=int, default=100_000)
    parser.add_argument('--seconds', type=float, default=4.0)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--iterations', type=int, default=300,
                        help='training of the model forecast and backtested')
    parser.add_argument('--mpi', action='store_true')
    parser.add_argument('--workload', choices=list(WORKLOADS),
                        default='default', help='of the MPI measurement')
    parser.add_argument('--mpi-child', action='store_true',
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mpi_child:
        mpi_child(args)
        return
    import tempfile

    import lstm_chainer as lc
    from lstm_chainer.forecasting.models.global_model import (
        global_settings,
        train_global,
    )
    from lstm_chainer.forecasting.preprocessing.series_prep import fit_prep

    start = time.perf_counter()
    frame = synthetic(args.series)
    made = time.perf_counter() - start
    start = time.perf_counter()
    c = lc.from_long(frame, 'id', 'month')
    read = time.perf_counter() - start
    del frame
    print('{:,} series, {:,} rows ({:.0f} MiB of values); generated in '
          '{:.1f} s, from_long {:.1f} s'.format(
              len(c), len(c.values), c.values.nbytes / 2 ** 20, made, read))
    start = time.perf_counter()
    prep = fit_prep(c.values, c.offsets, 12)
    z = prep.transform(c.values, c.offsets)
    print('prepared every series in {:.1f} s ({} seasonal)'.format(
        time.perf_counter() - start, int(prep.seasonal.sum())))
    training_table(z, c.offsets, args.seconds, args.rounds)

    settings = global_settings(c, horizon=18, ensemble=1,
                               iterations=args.iterations)
    start = time.perf_counter()
    history = c.head(settings.horizon)
    with tempfile.TemporaryDirectory() as out:
        forecaster, _ = train_global(history, settings, out)
    trained = time.perf_counter() - start
    start = time.perf_counter()
    forecaster.network(c)
    forecast = time.perf_counter() - start
    start = time.perf_counter()
    bt = lc.backtest_collection(forecaster, c)
    backtest = time.perf_counter() - start
    print('\n{} iterations of batch {} in {:.0f} s; forecast of every '
          'series (18 steps, the network) {:.1f} s; backtest of every series '
          '(its last 18 rows, with naive, seasonal naive, Theta, damped '
          'smoothing) {:.1f} s'
          .format(args.iterations, settings.batch_size, trained, forecast,
                  backtest))
    print(bt.summary().round(3).to_string())
    print('\npeak RSS {:,.0f} MiB'.format(peak_rss_mib()))
    if args.mpi:
        mpi_table(args)


if __name__ == '__main__':
    main()
