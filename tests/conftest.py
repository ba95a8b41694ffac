import os

# One BLAS thread: trained results then do not depend on the machine's
# core count (a threaded reduction sums in another order). Set before
# NumPy loads its BLAS.
for _name in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_name, '1')

import lstm_chainer.compat  # noqa: E402, F401, I001  (before chainer: NumPy 2 shims)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402


def gpu_available():
    try:
        from chainer.backends import cuda
        return cuda.available and cuda.cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    if gpu_available():
        return
    skip = pytest.mark.skip(reason='needs a CUDA GPU with CuPy')
    for item in items:
        if 'gpu' in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def series():
    """A small two-variable series with named columns."""
    t = np.linspace(0, 6 * np.pi, 80)
    return pd.DataFrame({'a': np.sin(t), 'b': 0.5 * np.cos(2 * t)})


@pytest.fixture
def ramp():
    """Values that encode their own position: row k is (k, 1000 + k)."""
    k = np.arange(30, dtype=np.float64)
    return np.stack([k, 1000 + k], axis=1)
