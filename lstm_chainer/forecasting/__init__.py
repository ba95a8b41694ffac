"""Forecasting in data units: the Forecaster and its saved record,
preprocessing, settings chosen from the data, backtests, baselines and
intervals."""
