"""The modules' earlier import paths, kept working with a FutureWarning.

0.2 had one flat package (``lstm_chainer.fused``, ...); 0.3 to 0.7 kept
every forecasting module flat in ``lstm_chainer.forecasting``. Importing
an old path gives the module at its new home (the same module object) and
warns once per path; ``lstm_chainer.<old name>`` as an attribute does the
same through the package's ``__getattr__``.
"""
import importlib
import importlib.abc
import importlib.util
import sys
import warnings

_CORE = ('fused', 'iterator', 'loss', 'model', 'optimizers', 'recursion',
         'schedules', 'updater')
_TRAINING = ('distributed', 'extensions', 'outdir', 'snapshots', 'trainer',
             'triggers')
# Old module path -> new one.
MOVED = {
    **{'lstm_chainer.' + name: 'lstm_chainer.core.' + name
       for name in _CORE},
    **{'lstm_chainer.' + name: 'lstm_chainer.training.' + name
       for name in _TRAINING},
    'lstm_chainer.csvdata': 'lstm_chainer.data.csvdata',
    'lstm_chainer.datasets': 'lstm_chainer.data.datasets',
    'lstm_chainer.forecaster': 'lstm_chainer.forecasting.models.forecaster',
    'lstm_chainer.baselines': 'lstm_chainer.core.reference_models',
    # 0.2's evaluation was 0.3-0.7's forecasting.evaluation (a package
    # now, which forwards the old module's names).
    'lstm_chainer.evaluation': 'lstm_chainer.forecasting.evaluation',
    'lstm_chainer.saved': 'lstm_chainer.forecasting.saved',
}
_FORECASTING = {
    'backtest': 'evaluation.backtest', 'intervals': 'evaluation.intervals',
    'theta': 'classical.theta', 'damped': 'classical.damped',
    'regression': 'classical.regression',
    'transforms': 'preprocessing.transforms',
    'scaling': 'preprocessing.scaling', 'pipeline': 'preprocessing.pipeline',
    'series_prep': 'preprocessing.series_prep',
    'calendar_features': 'preprocessing.calendar_features',
    'collection_inputs': 'preprocessing.collection_inputs',
    'selection': 'preprocessing.selection',
    'forecaster': 'models.forecaster', 'global_model': 'models.global_model',
}
for _old, _new in _FORECASTING.items():
    MOVED['lstm_chainer.forecasting.' + _old] = \
        'lstm_chainer.forecasting.' + _new
    MOVED.setdefault('lstm_chainer.' + _old,
                     'lstm_chainer.forecasting.' + _new)
MOVED['lstm_chainer.forecasting.baselines'] = \
    'lstm_chainer.core.reference_models'


# Names of the modules that became packages, and where each lives now:
# 0.3-0.7's forecasting/evaluation.py and forecasting/classical.py.
PACKAGE_NAMES = {
    'lstm_chainer.forecasting.evaluation': {
        'forecast': 'lstm_chainer.forecasting.forecast',
        **{name: 'lstm_chainer.core.evaluation' for name in (
            'isolated', 'with_calendar', 'forward_mode', 'to_cpu',
            'recursive_squared_errors', 'forecast_windows', 'rmse_table',
            'valid', 'pred')}},
    'lstm_chainer.forecasting.classical': {
        name: 'lstm_chainer.forecasting.classical.ets' for name in (
            'CLASSICAL', 'require', 'ets_forms', 'fit_ets',
            'ets_forecasts')},
}


def package_getattr(package, name):
    """An old module's name on the package it became (a FutureWarning),
    or AttributeError."""
    home = PACKAGE_NAMES[package].get(name)
    if home is None:
        raise AttributeError('module {!r} has no attribute {!r}'.format(
            package, name))
    warn('{}.{}'.format(package, name), '{}.{}'.format(home, name))
    return getattr(importlib.import_module(home), name)


def warn(old, new, stacklevel=3):
    """Says that ``old`` is now ``new``."""
    warnings.warn('{} is now {}; the old path will go'.format(old, new),
                  FutureWarning, stacklevel=stacklevel)


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path and loads it as the module at its new home."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        new = MOVED[spec.name]
        warn(spec.name, new, stacklevel=3)
        module = importlib.import_module(new)
        self._spec = module.__spec__
        return module

    def exec_module(self, module):
        # The import system set the alias's spec on the real module: put
        # the module's own back.
        module.__spec__ = self._spec


def install():
    """Puts the finder on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, AliasFinder) for f in sys.meta_path):
        sys.meta_path.append(AliasFinder())
