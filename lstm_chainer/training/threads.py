"""BLAS threads while a small network trains on the CPU.

An LSTM step multiplies a batch of a few hundred rows by weights of a few
dozen units: products too small to share between threads. OpenBLAS spreads
them over every core anyway and its threads wait on each other. Measured on
a 2-core machine, a global model of 32 units (batch 256): 6.1 s wall and
12.0 s CPU with the default threads, 5.3 s wall and 5.3 s CPU with one;
about ten times slower with the default threads while another process
keeps the second core busy. So a network of up to :data:`SMALL_UNITS`
units trains with BLAS on one thread, through threadpoolctl where it is
installed (the ``fast`` extra); without it, or where the BLAS threads are
set in the environment, nothing changes.
"""
import contextlib
import os

SMALL_UNITS = 128
# Set by the user: theirs, not ours.
_ENVIRONMENT = ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS')


def training_threads(n_units, device=None):
    """A context in which a CPU network of ``n_units`` trains.

    Args:
        n_units (int): The network's units.
        device: Its device (a GPU's: no change).

    Returns:
        A context manager: BLAS on one thread for up to
        :data:`SMALL_UNITS` units on the CPU, else nothing.
    """
    xp = getattr(device, 'xp', None)
    on_gpu = xp is not None and xp.__name__ != 'numpy'
    if on_gpu or n_units > SMALL_UNITS or any(
            os.environ.get(name) for name in _ENVIRONMENT):
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api='blas')
