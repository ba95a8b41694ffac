"""LSTMs for multivariate time series with Chainer, after the article.

The model takes every variable at time t and predicts every variable at
t + pred, so its output can be fed back and it forecasts recursively.
"""
from lstm_chainer.datasets import sine_cos
from lstm_chainer.device import get_device
from lstm_chainer.evaluation import pred, recursive_squared_errors, rmse_table, valid
from lstm_chainer.extensions import LossPlot, RecursiveEvaluator
from lstm_chainer.iterator import LSTM_Iterator
from lstm_chainer.loss import LossFuncL
from lstm_chainer.model import Model
from lstm_chainer.recursion import unroll
from lstm_chainer.trainer import get_trainer, latest_snapshot
from lstm_chainer.updater import LSTM_updater, time_major_converter

__version__ = '0.1.0'

__all__ = [
    'LSTM_Iterator', 'LSTM_updater', 'LossFuncL', 'LossPlot', 'Model',
    'RecursiveEvaluator', 'get_device', 'get_trainer', 'latest_snapshot',
    'pred', 'recursive_squared_errors', 'rmse_table', 'sine_cos',
    'time_major_converter', 'unroll', 'valid',
]
