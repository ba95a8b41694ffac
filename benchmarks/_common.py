"""Helpers shared by the benchmark scripts (import after setting threads)."""
import time

import numpy as np

import lstm_chainer as lc
from lstm_chainer.core import blas


def series(n, seed=0):
    """Two noisy sinusoids, ``n`` rows, float32."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, n / 25, n)
    data = np.stack([0.8 * np.sin(2 * t), 0.8 * np.cos(t)], axis=1)
    return (data + 0.01 * rng.randn(n, 2)).astype(np.float32)


def make_updater(batch, units, seq_len, support_len, fused, device='@numpy'):
    """A seeded Adam updater for a 2-variable Model on ``device``."""
    np.random.seed(0)
    model = lc.Model(2, 2, units)
    optimizer = lc.FlatAdam()
    optimizer.setup(lc.LossFuncL(model))
    it = lc.LSTM_Iterator(series(2000), batch_size=batch, seq_len=seq_len,
                          support_len=support_len, seed=0)
    return lc.LSTM_updater(it, optimizer, fused=fused, device=device)


def timed_block(step, seconds, sync=None):
    """Calls ``step`` for at least ``seconds``; returns (calls, elapsed).

    ``sync`` (e.g. a CUDA synchronize) runs before the clock is read.
    """
    calls, start = 0, time.perf_counter()
    while True:
        step()
        calls += 1
        if sync is not None:
            sync()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and calls >= 3:
            return calls, elapsed


def interleaved_rates(runners, seq_len, rounds, seconds):
    """Time steps/s of each runner, the runners alternating per round so
    that machine noise hits them alike.

    Args:
        runners (dict): Name -> one training iteration (callable).
        seq_len (int): Time steps per iteration.
        rounds (int): Rounds.
        seconds (float): Time per runner and round.

    Returns:
        dict: Name -> list of the rounds' rates.
    """
    for run in runners.values():
        run()  # warm-up
    rates = {key: [] for key in runners}
    for _ in range(rounds):
        for key, run in runners.items():
            calls, elapsed = timed_block(run, seconds)
            rates[key].append(calls * seq_len / elapsed)
    return rates


def sgemm_rate(rows, units, seconds, through='numpy'):
    """One-thread SGEMM FLOP/s at ``(rows, U) x (U, 4U)``: a step's main
    product (``rows`` = the batch) or the warm-up's, batched over steps;
    ``through`` NumPy's BLAS or the library's products (MKL where
    installed, :mod:`lstm_chainer.core.blas`)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((rows, units), dtype=np.float32)
    b = rng.standard_normal((units, 4 * units), dtype=np.float32)
    product = np.matmul if through == 'numpy' else blas.matmul
    calls, elapsed = timed_block(lambda: product(a, b), seconds)
    return calls * 2 * rows * units * 4 * units / elapsed
