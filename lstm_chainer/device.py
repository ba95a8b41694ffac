"""Device selection with clear errors when a GPU cannot be used."""
import chainer
from chainer.backends import cuda

from lstm_chainer.version import __version__

GPU_HELP = ("install CuPy for your CUDA version: pip install "
            "'lstm_chainer[gpu]' (CUDA 12, cupy-cuda12x 13) or "
            "'lstm_chainer[gpu-cuda13]' (CUDA 13, cupy-cuda13x 14), and "
            'check that nvidia-smi sees a GPU')


def get_device(spec):
    """Resolves a device specifier, failing early with one clear message.

    Args:
        spec: Anything :func:`chainer.get_device` accepts (``'@numpy'``,
            ``'@cupy:0'``, a ``Device``) or the article's integers
            (``-1``: CPU, ``n >= 0``: GPU ``n``); ``None`` means the CPU.

    Returns:
        chainer.backend.Device: The device.
    """
    if spec is None:
        return chainer.get_device('@numpy')
    if isinstance(spec, chainer.backend.Device):
        return spec
    if isinstance(spec, bool):
        raise ValueError('device must be a device specifier, got {!r}'.format(
            spec))
    if isinstance(spec, str):
        spec = spec.strip()
    gpu_id = _gpu_id(spec)
    if gpu_id is not None:
        if not cuda.available:
            reason = getattr(cuda, '_resolution_error', None)
            raise ValueError('device {!r} is a GPU but CuPy/CUDA is not '
                             'usable here{}: {}'.format(
                                 spec, ' ({})'.format(reason) if reason
                                 else '', GPU_HELP))
        try:
            count = cuda.cupy.cuda.runtime.getDeviceCount()
        except Exception as e:  # CUDA runtime errors: no driver, no GPU
            raise ValueError('device {!r}: CUDA cannot list GPUs ({}): {}'
                             .format(spec, e, GPU_HELP)) from e
        if gpu_id >= count:
            raise ValueError('device {!r}: there are only {} GPU(s)'.format(
                spec, count))
    try:
        return chainer.get_device(spec)
    except (ValueError, TypeError, RuntimeError) as e:
        raise ValueError(
            "device {!r} is not understood; use -1 or '@numpy' for the CPU, "
            "0 or '@cupy:0' for the first GPU ({})".format(spec, e)) from e


def _gpu_id(spec):
    """The GPU number a specifier asks for, or ``None`` for anything else."""
    if isinstance(spec, int):
        return spec if spec >= 0 else None
    if isinstance(spec, str):
        if spec.startswith('@cupy:'):
            spec = spec[len('@cupy:'):]
        try:
            value = int(spec)
        except ValueError:
            return None
        return value if value >= 0 else None
    return None


def versions():
    """str: lstm_chainer's version and those of Chainer, NumPy, CuPy (when
    it imports) and Python, on one line."""
    import platform

    import numpy
    try:
        import cupy
        gpu = ', CuPy {}'.format(cupy.__version__)
    except Exception:  # noqa: BLE001 - absent or broken: say nothing
        gpu = ''
    return 'lstm-chainer {} (Chainer {}, NumPy {}{}, Python {})'.format(
        __version__, chainer.__version__, numpy.__version__, gpu,
        platform.python_version())
