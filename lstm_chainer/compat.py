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
:func:`apply` (in ``_lstm_chainer_shims``, which imports neither Chainer
nor this package) runs when :mod:`lstm_chainer` is imported, and, through
the ``lstm_chainer_shims.pth`` file installed with the package, when
``chainer`` is imported first.
"""
import warnings

from _lstm_chainer_shims import APPLIED, apply  # noqa: F401

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
