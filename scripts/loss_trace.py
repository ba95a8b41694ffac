"""Prints the losses of a short, seeded training run as JSON.

Run by tests/test_compat.py under two interpreters (NumPy 1.x and NumPy 2
environments) to check that the compatibility shims change nothing.
"""
import json
import sys
import tempfile

import lstm_chainer as lc


def trace():
    train, test = lc.sine_cos()
    result = {}
    for fused in (False, True):
        with tempfile.TemporaryDirectory() as out:
            trainer = lc.get_trainer(
                train, 16, seq_len=8, support_len=2, epoch=3, snap=3,
                test=test, out=out, seed=0, progress=False, fused=fused,
                print_report=False)
            trainer.run()
            log = trainer.get_extension('LogReport').log
        result['fused' if fused else 'step'] = {
            key: [entry[key] for entry in log]
            for key in ('main/loss', 'validation/main/loss')}
    return result


if __name__ == '__main__':
    json.dump(trace(), sys.stdout)
