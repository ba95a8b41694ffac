"""Chainer 7.8.1's shims for NumPy 2 and Python 3.12+ (see
:mod:`lstm_chainer.compat`), in a module of its own that imports neither
Chainer nor ``lstm_chainer``: ``lstm_chainer_shims.pth`` installs
:class:`ChainerFirst` at start-up, so that a script that imports
``chainer`` before ``lstm_chainer`` gets the shims too. Nothing is
imported at start-up (NumPy only when Chainer is).
"""
import importlib.abc
import importlib.util
import sys
import types

APPLIED = []


def _sctypes():
    import numpy
    groups = {
        'int': ['int8', 'int16', 'int32', 'int64'],
        'uint': ['uint8', 'uint16', 'uint32', 'uint64'],
        'float': ['float16', 'float32', 'float64', 'longdouble'],
        'complex': ['complex64', 'complex128', 'clongdouble'],
    }
    result = {key: [getattr(numpy, name) for name in names]
              for key, names in groups.items()}
    result['others'] = [bool, object, bytes, str, numpy.void]
    return result


def _has_numpy_distutils():
    if 'numpy.distutils' in sys.modules:
        return True
    try:
        return importlib.util.find_spec('numpy.distutils') is not None
    except (ImportError, ValueError):
        return False


def apply():
    """Installs the shims that this Python and NumPy need (idempotent).

    Returns:
        list: Names of the shims in effect.
    """
    import numpy
    if not hasattr(numpy, 'sctypes') and 'numpy.sctypes' not in APPLIED:
        numpy.sctypes = _sctypes()
        APPLIED.append('numpy.sctypes')
    if not _has_numpy_distutils() and 'numpy.distutils' not in APPLIED:
        distutils = types.ModuleType('numpy.distutils')
        system_info = types.ModuleType('numpy.distutils.system_info')
        system_info.get_info = lambda name, notfound_action=0: {}
        distutils.system_info = system_info
        sys.modules['numpy.distutils'] = distutils
        sys.modules['numpy.distutils.system_info'] = system_info
        APPLIED.append('numpy.distutils')
    return list(APPLIED)




class ChainerFirst(importlib.abc.MetaPathFinder):
    """Applies the shims when ``chainer`` is first imported, then lets the
    import go on as usual (it finds nothing itself)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == 'chainer':
            sys.meta_path[:] = [f for f in sys.meta_path if f is not self]
            apply()
        return None


def install():
    """Puts :class:`ChainerFirst` first on ``sys.meta_path`` (once, and only
    while Chainer is not imported)."""
    if 'chainer' not in sys.modules and not any(
            isinstance(f, ChainerFirst) for f in sys.meta_path):
        sys.meta_path.insert(0, ChainerFirst())
