"""LSTMs for multivariate time series with Chainer, after the article.

The model takes every variable at time t and predicts every variable at
t + pred, so its output can be fed back and it forecasts recursively.
"""
# Before anything imports Chainer: shims for NumPy 2 / Python 3.12, and
# Chainer imported once without its dependency warnings.
from lstm_chainer import compat  # noqa: F401, I001
from lstm_chainer import calendar_features, plotting, schedules
from lstm_chainer.backtest import Backtest, backtest
from lstm_chainer.baselines import LinearAR, persistence_squared_errors
from lstm_chainer.csvdata import future_index, load_csv, split_series, time_step
from lstm_chainer.datasets import sine_cos
from lstm_chainer.device import get_device
from lstm_chainer.evaluation import (
    forecast,
    forecast_windows,
    pred,
    recursive_squared_errors,
    rmse_table,
    valid,
)
from lstm_chainer.extensions import LossPlot, RecursiveEvaluator
from lstm_chainer.forecaster import (
    Forecaster,
    fit_forecaster,
    load_model,
    save_model,
)
from lstm_chainer.intervals import (conformal_quantiles, tracked_quantiles,
                                    with_intervals)
from lstm_chainer.iterator import LSTM_Iterator
from lstm_chainer.loss import LossFuncL
from lstm_chainer.model import Model
from lstm_chainer.optimizers import FlatAdam
from lstm_chainer.recursion import unroll
from lstm_chainer.scaling import Scaler
from lstm_chainer.selection import choose_transforms
from lstm_chainer.transforms import Transformer
from lstm_chainer.snapshots import latest_snapshot
from lstm_chainer.trainer import get_trainer
from lstm_chainer.updater import LSTM_updater, time_major_converter

__version__ = '0.2.0'

__all__ = [
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
