"""Scoring forecasts: the rolling-origin backtest, its metrics and
baselines, conformal intervals."""
