"""LSTMs for multivariate time series with Chainer, after the article.

The model takes every variable at time t and predicts every variable at
t + pred, so its output can be fed back and it forecasts recursively.
"""
# Before anything imports Chainer: shims for NumPy 2 / Python 3.12, and
# Chainer imported once without its dependency warnings.
from lstm_chainer import compat  # noqa: F401, I001
from lstm_chainer import _aliases
from lstm_chainer import plotting
from lstm_chainer.core import schedules
from lstm_chainer.forecasting.preprocessing import calendar_features
from lstm_chainer.forecasting.auto import AutoResult, backtest_saved, fit_auto, resolve
from lstm_chainer.forecasting.result import FitResult
from lstm_chainer.forecasting.evaluation.backtest import Backtest, backtest
from lstm_chainer.core.reference_models import LinearAR, persistence_squared_errors
from lstm_chainer.data.csvdata import future_index, load_csv, split_series, time_step
from lstm_chainer.data.collection import Collection, from_long, read_long
from lstm_chainer.data.datasets import sine_cos
from lstm_chainer.forecasting.models.global_model import (
    GlobalForecaster,
    GlobalSettings,
    backtest_collection,
    fit_global,
    load_global,
)
from lstm_chainer.device import get_device
from lstm_chainer.forecasting.forecast import forecast
from lstm_chainer.forecasting.models.pretrained import pretrained
from lstm_chainer.core.evaluation import (
    forecast_windows,
    pred,
    recursive_squared_errors,
    rmse_table,
    valid,
)
from lstm_chainer.training.extensions import LossPlot, RecursiveEvaluator
from lstm_chainer.forecasting.models.forecaster import (
    Forecaster,
    fit_forecaster,
    load_model,
    save_model,
)
from lstm_chainer.forecasting.evaluation.intervals import (
    conformal_quantiles,
    tracked_quantiles,
    with_intervals,
)
from lstm_chainer.core.iterator import LSTM_Iterator
from lstm_chainer.core.loss import LossFuncL
from lstm_chainer.core.model import Model
from lstm_chainer.core.optimizers import FlatAdam
from lstm_chainer.core.recursion import unroll
from lstm_chainer.forecasting.preprocessing.scaling import Scaler
from lstm_chainer.forecasting.preprocessing.selection import choose_transforms
from lstm_chainer.forecasting.settings import AutoSettings, Settings, resolve_settings
from lstm_chainer.forecasting.preprocessing.transforms import Transformer
from lstm_chainer.training.snapshots import latest_snapshot
from lstm_chainer.training.trainer import get_trainer
from lstm_chainer.core.updater import LSTM_updater, time_major_converter

from lstm_chainer.version import __version__  # noqa: F401

# The modules' earlier import paths: the same modules, with a warning.
_aliases.install()


def __getattr__(name):
    new = _aliases.MOVED.get('lstm_chainer.' + name)
    if new is None:
        raise AttributeError('module {!r} has no attribute {!r}'.format(
            __name__, name))
    _aliases.warn('lstm_chainer.' + name, new)
    import importlib
    return importlib.import_module(new)


__all__ = [
    'AutoResult', 'FitResult', 'AutoSettings', 'backtest_saved', 'fit_auto',
    'Collection', 'GlobalForecaster', 'GlobalSettings', 'backtest_collection',
    'fit_global', 'from_long', 'read_long', 'load_global', 'pretrained',
    'resolve', 'resolve_settings', 'Settings',
    'Backtest', 'FlatAdam', 'Forecaster', 'Transformer', 'backtest',
    'calendar_features',
    'choose_transforms',
    'conformal_quantiles', 'tracked_quantiles', 'with_intervals',
    'fit_forecaster',
    'LSTM_Iterator',
    'LinearAR', 'LSTM_updater', 'LossFuncL', 'LossPlot',
    'Model', 'RecursiveEvaluator', 'Scaler', 'forecast', 'forecast_windows',
    'future_index',
    'get_device', 'get_trainer', 'latest_snapshot', 'load_csv', 'load_model',
    'persistence_squared_errors', 'plotting', 'pred',
    'recursive_squared_errors', 'rmse_table', 'save_model', 'schedules',
    'sine_cos', 'split_series', 'time_major_converter', 'time_step', 'unroll',
    'valid',
]
