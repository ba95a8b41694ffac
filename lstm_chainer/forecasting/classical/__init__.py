"""The classical forecasts: Theta, damped-trend exponential smoothing, ETS
(statsmodels) and the regression on the covariates."""
