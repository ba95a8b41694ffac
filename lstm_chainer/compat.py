"""Lets Chainer 7.8.1 import and run on NumPy 2 and on Python 3.12+.

Chainer 7.8.1 (2020) fails to import there for two reasons only:

* ``chainer/functions/array/as_strided.py`` reads ``numpy.sctypes``, which
  NumPy 2.0 removed. :func:`apply` restores it with NumPy 1.x's contents.
* ``chainer/_environment_check.py`` imports ``numpy.distutils.system_info``
  (to warn about Accelerate on macOS); ``numpy.distutils`` does not exist on
  Python 3.12+. :func:`apply` registers a stand-in whose ``get_info``
  returns nothing, which skips that macOS-only warning.

It also needs ``pkg_resources`` (install ``setuptools<81``); that is a
requirement, not a shim. Each shim is applied only when the thing it
replaces is missing, so nothing changes with NumPy 1.x on Python <= 3.11.
:func:`apply` runs when :mod:`lstm_chainer` is imported; import
``lstm_chainer`` (or this module) before ``chainer``.
"""
import importlib.util
import sys
import types
import warnings

import numpy

APPLIED = []


def _sctypes():
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


# What importing Chainer 7.8.1 says about its own dependencies; not news to
# a user of this package (the messages are matched, nothing else is hidden).
IMPORT_NOISE = (
    (DeprecationWarning, r'\s*`numpy.distutils` is deprecated'),
    (DeprecationWarning, r'msvccompiler is deprecated'),
    (UserWarning, r'pkg_resources is deprecated as an API'),
)


def import_chainer():
    """Imports Chainer with the shims applied and its import noise muted.

    Returns:
        module: ``chainer``.
    """
    apply()
    with warnings.catch_warnings():
        for category, message in IMPORT_NOISE:
            warnings.filterwarnings('ignore', message=message,
                                    category=category)
        import chainer
    return chainer


import_chainer()
