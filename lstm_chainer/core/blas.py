"""Matrix products of the fused path, through Intel MKL where installed.

The fused path spends most of a large network's time in products of a
batch of rows with a weight matrix, ``(64, 256) x (256, 1024)`` and the
like. NumPy's OpenBLAS runs them at 97-113 GFLOP/s on one AVX-512 core,
MKL at 164 (measured side by side in one process); ctypes adds about 4
microseconds a call, so small products stay with NumPy.

MKL is optional (the ``mkl`` extra: ``pip install lstm_chainer[mkl]``;
else a system ``libmkl_rt`` the loader finds). It runs on one thread
(its sequential layer), as the library trains small networks anyway
(:mod:`lstm_chainer.training.threads`), unless ``MKL_THREADING_LAYER``
says otherwise. ``LSTM_CHAINER_BLAS=numpy`` keeps every product with
NumPy. MKL's results differ from NumPy's in the last bits, so a trained
network depends on whether MKL is installed (a run repeats on the same
installation).
"""
import ctypes
import ctypes.util
import glob
import os
import sys

import numpy

# Below this many multiply-adds a NumPy product is faster than the call.
MIN_WORK = 2 ** 19
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_SEQUENTIAL = 1
_LP64 = 0  # 32-bit integer arguments, whatever MKL_INTERFACE_LAYER says
_POINTER = ctypes.c_void_p


def _library_paths():
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        yield from sorted(glob.glob(os.path.join(prefix, 'lib',
                                                 'libmkl_rt.so*')))
    found = ctypes.util.find_library('mkl_rt')
    if found:
        yield found


def _numpy_uses_mkl():
    """Whether MKL is loaded already (a NumPy built with it): then NumPy's
    products are MKL's, and its threads are not ours to set."""
    try:
        with open('/proc/self/maps', encoding='utf-8') as maps:
            return 'libmkl_rt' in maps.read()
    except OSError:
        return False


def _load():
    """The ``(sgemm, dgemm)`` functions of MKL, or ``None``."""
    if os.environ.get('LSTM_CHAINER_BLAS', '').lower() == 'numpy' \
            or _numpy_uses_mkl():
        return None
    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
            gemms = (lib.cblas_sgemm, lib.cblas_dgemm)
            lib.MKL_Set_Interface_Layer(_LP64)
            if not os.environ.get('MKL_THREADING_LAYER'):
                lib.MKL_Set_Threading_Layer(_SEQUENTIAL)
        except (OSError, AttributeError):
            continue
        for gemm, real in zip(gemms, (ctypes.c_float, ctypes.c_double)):
            gemm.argtypes = [ctypes.c_int] * 6 + [
                real, _POINTER, ctypes.c_int, _POINTER, ctypes.c_int,
                real, _POINTER, ctypes.c_int]
            gemm.restype = None
        return gemms
    return None


_GEMMS = _load()
_FUNCTION = {} if _GEMMS is None else {
    numpy.dtype(numpy.float32): _GEMMS[0],
    numpy.dtype(numpy.float64): _GEMMS[1]}


def backend():
    """str: ``'mkl'`` where MKL computes the large products, else
    ``'numpy'``."""
    return 'mkl' if _GEMMS is not None else 'numpy'


def _layout(a):
    """``(transposed, leading dimension)`` of a 2-D array, or ``None``
    where it is neither row- nor column-contiguous."""
    if a.flags.c_contiguous:
        return _NO_TRANS, max(a.shape[1], 1)
    if a.flags.f_contiguous:
        return _TRANS, max(a.shape[0], 1)
    return None


def matmul(a, b):
    """``a @ b``, through MKL for large 2-D float products of one dtype.

    Args:
        a: ``(M, K)`` array (NumPy or CuPy).
        b: ``(K, N)`` array.

    Returns:
        The ``(M, N)`` product, C-contiguous where MKL made it.
    """
    if type(a) is not numpy.ndarray or type(b) is not numpy.ndarray \
            or a.ndim != 2 or b.ndim != 2 or a.dtype != b.dtype:
        return a @ b
    gemm = _FUNCTION.get(a.dtype)
    M, K = a.shape
    N = b.shape[1]
    if gemm is None or M * K * N < MIN_WORK or b.shape[0] != K:
        return a @ b
    la, lb = _layout(a), _layout(b)
    if la is None or lb is None:
        return a @ b
    out = numpy.empty((M, N), a.dtype)
    gemm(_ROW_MAJOR, la[0], lb[0], M, N, K, 1.0, a.ctypes.data, la[1],
         b.ctypes.data, lb[1], 0.0, out.ctypes.data, N)
    return out
