"""GPU against CPU: training throughput of the fused and step-by-step paths.

    python benchmarks/gpu_speed.py [--device @cupy:0] [--seconds 2]

Prints time steps/s (one step = one time step of forward + backward + the
optimizer's share) on the CPU (all its threads) and on the GPU, for the
article's workload and a large one, with the GPU/CPU ratio.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from _common import make_updater, timed_block  # noqa: E402

import lstm_chainer as lc  # noqa: E402, I001

WORKLOADS = [
    # name, batch, units, seq_len, support_len
    ('article', 10, 100, 10, 10),
    ('large', 256, 512, 50, 10),
]


def rate(workload, fused, device, seconds):
    name, batch, units, seq_len, support_len = workload
    updater = make_updater(batch, units, seq_len, support_len, fused, device)
    sync = None if device.xp is np else device.device.synchronize
    for _ in range(3):  # warm-up: CuPy compiles its kernels here
        updater.update()
    if sync:
        sync()
    calls, elapsed = timed_block(updater.update, seconds, sync)
    return calls * seq_len / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='@cupy:0')
    parser.add_argument('--seconds', type=float, default=2.0)
    args = parser.parse_args()
    gpu = lc.get_device(args.device)
    cpu = lc.get_device('@numpy')
    print('| workload | path | CPU steps/s | GPU steps/s | GPU / CPU |')
    print('|---|---|---:|---:|---:|')
    for workload in WORKLOADS:
        for fused in (True, False):
            on_cpu = rate(workload, fused, cpu, args.seconds)
            on_gpu = rate(workload, fused, gpu, args.seconds)
            print('| {} (batch {}, {} units, seq_len {}) | {} | {:,.0f} | '
                  '{:,.0f} | {:.1f}x |'.format(
                      workload[0], workload[1], workload[2], workload[3],
                      'fused' if fused else 'step', on_cpu, on_gpu,
                      on_gpu / on_cpu), flush=True)


if __name__ == '__main__':
    main()
