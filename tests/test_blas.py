"""Products through MKL where installed (``make test-mkl``), else NumPy."""
import importlib.metadata
import os
import subprocess
import sys

import numpy as np
import pytest

from lstm_chainer.core import blas


def mkl_installed():
    try:
        importlib.metadata.version('mkl')
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_backend_is_mkl_exactly_where_installed():
    expected = 'mkl' if mkl_installed() and \
        os.environ.get('LSTM_CHAINER_BLAS') != 'numpy' else 'numpy'
    assert blas.backend() == expected


def test_numpy_can_be_asked_for():
    code = 'from lstm_chainer.core import blas; print(blas.backend())'
    done = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, check=True,
                          env=dict(os.environ, LSTM_CHAINER_BLAS='numpy'))
    assert done.stdout.strip() == 'numpy'


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('a_order,b_order', [('C', 'C'), ('F', 'C'),
                                             ('C', 'F'), ('F', 'F')])
@pytest.mark.parametrize('shape', [(64, 256, 1024), (1024, 300, 257),
                                   (3, 7, 5)])
def test_products_equal_numpy_in_every_layout(dtype, a_order, b_order,
                                              shape):
    rows, inner, columns = shape
    rng = np.random.default_rng(0)
    a = np.asarray(rng.standard_normal((rows, inner)), dtype, order=a_order)
    b = np.asarray(rng.standard_normal((inner, columns)), dtype,
                   order=b_order)
    got = blas.matmul(a, b)
    assert got.shape == (rows, columns) and got.dtype == dtype
    expected = a.astype(np.float64) @ b.astype(np.float64)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, expected, rtol=tol,
                               atol=tol * np.sqrt(inner) * 4)


def test_transposed_views_of_slices():
    # The fused backward multiplies transposed slices of (T, B, 4H) arrays.
    rng = np.random.default_rng(1)
    dz = rng.standard_normal((50, 64, 1024)).astype(np.float32)
    h = rng.standard_normal((50, 64, 256)).astype(np.float32)
    left = dz[1:].reshape(49 * 64, -1).T
    right = h[:-1].reshape(49 * 64, 256)
    np.testing.assert_allclose(blas.matmul(left, right), left @ right,
                               rtol=1e-4, atol=1e-3)


def test_other_operands_fall_back_to_numpy():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((256, 512)).astype(np.float32)
    strided = a[:, ::2]  # neither C- nor F-contiguous
    b = rng.standard_normal((256, 1024)).astype(np.float32)
    np.testing.assert_allclose(blas.matmul(strided, b), strided @ b,
                               rtol=1e-4, atol=1e-3)
    vector = rng.standard_normal(512).astype(np.float32)
    np.testing.assert_allclose(blas.matmul(a, vector), a @ vector, rtol=1e-4,
                               atol=1e-3)
    mixed = blas.matmul(a, b[:, :512].T.astype(np.float64))
    assert mixed.dtype == np.float64
    with pytest.raises(ValueError):
        blas.matmul(a, b)  # (256, 512) x (256, 1024): NumPy's own error
