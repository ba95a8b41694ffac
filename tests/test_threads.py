import contextlib

import pytest

from lstm_chainer.device import get_device
from lstm_chainer.training import threads

threadpoolctl = pytest.importorskip(
    'threadpoolctl', reason='the optional extra fast (threadpoolctl)')


def blas_threads():
    return [i['num_threads'] for i in threadpoolctl.threadpool_info()
            if i['user_api'] == 'blas']


def test_a_small_cpu_network_trains_on_one_blas_thread(monkeypatch):
    for name in threads._ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    with threadpoolctl.threadpool_limits(2, user_api='blas'):
        before = blas_threads()
        with threads.training_threads(32, get_device(-1)):
            assert set(blas_threads()) == {1}
        assert blas_threads() == before  # restored after
        # A large network, or BLAS threads the user set, are left alone.
        assert isinstance(threads.training_threads(512, get_device(-1)),
                          contextlib.nullcontext)
        monkeypatch.setenv('OPENBLAS_NUM_THREADS', '4')
        assert isinstance(threads.training_threads(32, get_device(-1)),
                          contextlib.nullcontext)
