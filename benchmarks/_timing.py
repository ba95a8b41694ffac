"""What the throughput benchmarks share: workloads, timing options and the
thread setting (import before NumPy: BLAS reads it when it loads)."""
import argparse
import os

WORKLOADS = [
    # name, batch, units, seq_len, support_len
    ('(a) article', 10, 100, 10, 10),
    ('(b) recursive', 10, 100, 20, 4),
    ('(c) large', 64, 256, 50, 10),
]


def timing_parser(description):
    """An argument parser with ``--threads --rounds --block-seconds
    --quick --workloads``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--block-seconds', type=float, default=1.0,
                        help='time per measured block of iterations')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--workloads', default='abc',
                        help='letters of the training workloads to run')
    return parser


def parse_timing_args(parser):
    """Parses, applies ``--quick`` and sets the BLAS threads."""
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.block_seconds = 3, 0.3
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(args.threads)
    return args
