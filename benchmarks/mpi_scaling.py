"""Data-parallel scaling over MPI: windows/s for 1 and 2 processes.

    python benchmarks/mpi_scaling.py [--workload large] [--seconds 5]

Launches ``mpiexec -n 1`` and ``mpiexec -n 2`` (each process on one thread)
and prints the throughput in training windows per second, the speed-up
and the scaling efficiency (speed-up / processes).
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

WORKLOADS = {
    # batch per process, units, seq_len, support_len
    'article': (10, 100, 10, 10),
    'large': (64, 256, 50, 10),
}


def child(args):
    # lstm_chainer before chainer: it prepares NumPy 2 / Python 3.12.
    import lstm_chainer as lc  # noqa: I001
    from lstm_chainer.training import distributed  # noqa: I001
    import chainer  # noqa: I001
    import numpy as np
    from _common import series, timed_block
    from mpi4py import MPI

    comm = distributed.create_communicator('naive')
    batch, units, seq_len, support_len = WORKLOADS[args.workload]
    np.random.seed(0)
    model = lc.Model(2, 2, units)
    target = lc.LossFuncL(model)
    optimizer = chainer.optimizers.Adam()
    optimizer.setup(target)
    optimizer = distributed.multi_node_optimizer(optimizer, comm, target)
    it = lc.LSTM_Iterator(series(20000), batch_size=batch, seq_len=seq_len,
                          support_len=support_len,
                          seed=distributed.rank_seed(0, comm.rank))
    updater = lc.LSTM_updater(it, optimizer)
    for _ in range(3):
        updater.update()
    comm.mpi_comm.Barrier()
    calls, elapsed = timed_block(updater.update, args.seconds,
                                 sync=comm.mpi_comm.Barrier)
    # The slowest process sets the pace.
    elapsed = comm.mpi_comm.allreduce(elapsed, op=MPI.MAX)
    if comm.rank == 0:
        print(json.dumps({'processes': comm.size, 'iterations': calls,
                          'seconds': elapsed,
                          'windows_per_s': calls * batch * comm.size
                          / elapsed}))


def mpiexec(n):
    command = ['mpiexec', '-n', str(n)]
    version = subprocess.run(['mpiexec', '--version'], capture_output=True,
                             text=True).stdout
    if 'Open MPI' in version or 'OpenRTE' in version:
        command += ['--oversubscribe', '-x', 'OMP_NUM_THREADS=1',
                    '-x', 'OPENBLAS_NUM_THREADS=1']
        if os.geteuid() == 0:
            command.insert(1, '--allow-run-as-root')
    return command


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--workload', choices=list(WORKLOADS),
                        default='large')
    parser.add_argument('--seconds', type=float, default=5.0)
    parser.add_argument('--processes', default='1,2')
    parser.add_argument('--child', action='store_true',
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    rows = []
    for n in map(int, args.processes.split(',')):
        out = subprocess.run(
            mpiexec(n) + [sys.executable, __file__, '--child', '--workload',
                          args.workload, '--seconds', str(args.seconds)],
            check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    base = rows[0]['windows_per_s']
    batch, units, seq_len, _ = WORKLOADS[args.workload]
    print('workload {}: batch {} per process, {} units, seq_len {}; one '
          'thread per process\n'.format(args.workload, batch, units, seq_len))
    print('| processes | windows/s | speed-up | efficiency |')
    print('|---:|---:|---:|---:|')
    for row in rows:
        speedup = row['windows_per_s'] / base
        print('| {} | {:,.0f} | {:.2f}x | {:.0%} |'.format(
            row['processes'], row['windows_per_s'], speedup,
            speedup / row['processes'] * rows[0]['processes']))


if __name__ == '__main__':
    main()
