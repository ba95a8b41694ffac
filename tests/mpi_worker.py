"""Run by tests/test_mpi.py under mpiexec: trains with a communicator.

Usage: mpi_worker.py OUT EPOCHS
Writes OUT/params.<rank>.npz and OUT/result.<rank>.json.
"""
import json
import os
import sys

import chainer
import numpy as np

import lstm_chainer as lc
from lstm_chainer.training.distributed import create_communicator


def main():
    out, epochs = sys.argv[1], int(sys.argv[2])
    comm = create_communicator('naive')
    train, test = lc.sine_cos()
    trainer = lc.get_trainer(
        train, 16, seq_len=8, support_len=2, batch_size=5, epoch=epochs,
        snap=100, out=out, seed=0, test=test, test_seq_len=10, comm=comm,
        progress=False, print_report=False)
    fail_rank = os.environ.get('FAIL_RANK')
    if fail_rank is not None and int(fail_rank) == comm.rank:
        @chainer.training.make_extension(trigger=(1, 'epoch'))
        def fail(trainer):
            raise RuntimeError('rank {} fails on purpose'.format(comm.rank))
        trainer.extend(fail)
    trainer.run()
    model = trainer.updater.predictor
    np.savez(os.path.join(out, 'params.{}.npz'.format(comm.rank)),
             **{name: p.array for name, p in model.namedparams()})
    result = {'iteration': trainer.updater.iteration,
              'rmse': float(trainer.observation['validation/main/rmse'])}
    with open(os.path.join(out, 'result.{}.json'.format(comm.rank)), 'w') as f:
        json.dump(result, f)


if __name__ == '__main__':
    main()
