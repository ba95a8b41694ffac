"""The trained forecasters in data units: one table's (``Forecaster``) and
a collection's (``GlobalForecaster``)."""
