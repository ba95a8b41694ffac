"""Scoring forecasts: the rolling-origin backtest, its metrics and
baselines, conformal intervals."""


def __getattr__(name):
    # The names of 0.3-0.7's module of this name, with a FutureWarning.
    from lstm_chainer import _aliases
    return _aliases.package_getattr(__name__, name)
