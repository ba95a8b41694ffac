"""Peers: the fused training path beside the same model in PyTorch.

The same workloads as ``speed.py`` (2 variables, windows from
``LSTM_Iterator``, Adam, the sum of per-step MSEs): ours is an
``LSTM_updater`` on the fused path; the peer is a PyTorch script of the same
network (Linear -> LSTM -> Linear) with ``nn.LSTM`` for the steps fed ground
truth and an ``nn.LSTMCell`` sharing its weights for the steps fed back.
Both alternate in one process on the same number of threads, so machine
noise hits them alike; the figures are medians over the rounds.

    make peers                 # installs the extra, then about 1 minute
    python benchmarks/peers.py --quick

torch is an optional benchmark extra, never a dependency: ``make peers``
installs it without its declared requirements (they would upgrade
setuptools past what Chainer runs with) and adds the ones it imports.

Without torch it prints our figures only and says how to add the peer.
"""
import sys

from _timing import WORKLOADS, parse_timing_args, timing_parser

ARGS = parse_timing_args(timing_parser(__doc__.splitlines()[0]))

# lstm_chainer before chainer: it prepares NumPy 2 / Python 3.12.
import lstm_chainer as lc  # noqa: E402, I001
import numpy as np  # noqa: E402, I001
from lstm_chainer.core import blas  # noqa: E402, I001
from _common import (  # noqa: E402, I001
    interleaved_rates,
    make_updater,
    series,
    sgemm_rate,
)

try:
    import torch  # noqa: E402
except ImportError:
    torch = None


class TorchPeer:
    """One training iteration of the same network in PyTorch."""

    def __init__(self, batch, units, seq_len, support_len):
        nn = torch.nn
        torch.manual_seed(0)
        self.l1 = nn.Linear(2, units)
        self.lstm = nn.LSTM(units, units)
        self.cell = nn.LSTMCell(units, units)
        for name in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'):
            setattr(self.cell, name, getattr(self.lstm, name + '_l0'))
        self.l3 = nn.Linear(units, 2)
        params = [*self.l1.parameters(), *self.lstm.parameters(),
                  *self.l3.parameters()]
        self.optimizer = torch.optim.Adam(params, lr=1e-3)
        self.iterator = lc.LSTM_Iterator(
            series(2000), batch_size=batch, seq_len=seq_len,
            support_len=support_len, seed=0)
        self.truth_steps = min(support_len + 1, seq_len)

    def __call__(self):
        xs, ts = self.iterator.next()
        xs, ts = torch.from_numpy(xs), torch.from_numpy(ts)
        h, (hn, cn) = self.lstm(self.l1(xs[:self.truth_steps]))
        ys = [self.l3(h)]
        y, state = ys[0][-1], (hn[0], cn[0])
        for _ in range(self.truth_steps, len(xs)):
            state = self.cell(self.l1(y), state)
            y = self.l3(state[0])
            ys.append(y[None])
        loss = ((torch.cat(ys) - ts) ** 2).mean(dim=(1, 2)).sum()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()


# The SGEMM rates a share is measured against: NumPy's, and MKL's where
# our large products go there.
THROUGH = ('numpy', 'mkl') if blas.backend() == 'mkl' else ('numpy',)


def main():
    if torch is not None:
        torch.set_num_threads(ARGS.threads)
    print('peers benchmark: {} thread(s), {} rounds; PyTorch {}; our large '
          'products through {}'.format(
              ARGS.threads, ARGS.rounds,
              torch.__version__ if torch is not None else 'not installed',
              blas.backend()), flush=True)
    rows = []
    for name, batch, units, seq_len, support_len in WORKLOADS:
        if name[1] not in ARGS.workloads:
            continue
        runners = {'ours': make_updater(batch, units, seq_len, support_len,
                                        True).update}
        if torch is not None:
            runners['torch'] = TorchPeer(batch, units, seq_len, support_len)
        rates = interleaved_rates(runners, seq_len, ARGS.rounds,
                                  ARGS.block_seconds)
        med = {key: float(np.median(v)) for key, v in rates.items()}
        ratio = float(np.median(np.array(rates['ours'])
                                / np.array(rates['torch']))) \
            if torch is not None else float('nan')
        # A training step's products: the LSTM's two (U, 4U) ones forward,
        # twice that backward (the 2-variable input and output are noise).
        flops = 3 * 2 * batch * units * 4 * units * 2
        shares = [med['ours'] * flops / sgemm_rate(
            batch, units, ARGS.block_seconds, through)
            for through in THROUGH]
        rows.append((name, batch, units, seq_len, support_len, med['ours'],
                     med.get('torch', float('nan')), ratio,
                     ' / '.join('{:.0%}'.format(x) for x in shares)))
        print('  measured', name, flush=True)
    print('\nTraining throughput (time steps/s, median of {} rounds)\n'
          .format(ARGS.rounds))
    print('| workload | batch | units | seq_len | support_len | lstm_chainer '
          '(fused) | PyTorch | ours / PyTorch | ours / SGEMM ({}) |'
          .format(' / '.join(name.replace('numpy', 'NumPy').replace(
              'mkl', 'MKL') for name in THROUGH)))
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    for name, b, u, s, sl, ours, theirs, ratio, share in rows:
        print('| {} | {} | {} | {} | {} | {:,.0f} | {:,.0f} | {:.2f}x | '
              '{} |'.format(name, b, u, s, sl, ours, theirs, ratio, share))
    print('\nours / SGEMM: the training FLOPs (3 x the LSTM\'s two (B, U) x '
          '(U, 4U) products a step) at the one-thread SGEMM rate of that '
          'shape (NumPy\'s BLAS, and MKL where our products go there), '
          'measured in the same run')
    if torch is None:
        print('\nno PyTorch peer: torch is not importable here (see the '
              "module's docstring to install it)", file=sys.stderr)


if __name__ == '__main__':
    main()
