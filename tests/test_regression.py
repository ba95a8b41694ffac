"""The regression on the covariates with AR(1) errors, and fit_auto's use
of the drivers a user names."""
import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.forecasting.classical.regression import regression_forecasts


def test_a_u_shaped_response_and_a_flag_are_recovered_exactly():
    rng = np.random.default_rng(0)
    n = 120
    temperature = rng.uniform(0, 30, n)
    flag = (rng.random(n) < 0.6).astype(float)
    y = 50 + 2 * (temperature - 16) ** 2 + 30 * flag
    rows = np.column_stack([y, flag, temperature])
    f = regression_forecasts(rows, [99, 105], 10, n_targets=1)
    np.testing.assert_allclose(f[:, 0, 0], y[100:110], rtol=1e-8)
    np.testing.assert_allclose(f[:, 1, 0], y[106:116], rtol=1e-8)


def test_the_last_residual_decays_as_an_ar1():
    rng = np.random.default_rng(1)
    n, phi = 3000, 0.8
    x = rng.normal(0, 1, n)
    noise = np.zeros(n)
    for t in range(1, n):
        noise[t] = phi * noise[t - 1] + rng.normal()
    y = 10 + 3 * x + noise
    f = regression_forecasts(np.column_stack([y, x]), [n - 4], 3)
    regression = 10 + 3 * x[n - 3:]
    carried = (f[:, 0, 0] - regression) / noise[n - 4]
    np.testing.assert_allclose(carried, phi ** np.arange(1, 4), atol=0.06)


def test_the_covariates_must_be_known_for_the_horizon():
    rows = np.ones((20, 2))
    with pytest.raises(ValueError, match='known for the 5 rows after'):
        regression_forecasts(rows, [17], 5)


def demand(n=400, seed=0):
    """Daily demand: a U-shaped response to temperature, working days."""
    rng = np.random.default_rng(seed)
    days = pd.date_range('2021-01-01', periods=n, freq='D')
    temperature = 15 + 11 * np.sin(2 * np.pi * np.arange(n) / 365) \
        + rng.normal(0, 3, n)
    workday = (days.day_of_week < 5).astype(float)
    y = 800 + 2.5 * (temperature - 16) ** 2 + 150 * workday \
        + rng.normal(0, 15, n)
    return pd.DataFrame({'demand': y, 'workday': workday,
                         'temperature': temperature}, index=days)


@pytest.fixture(scope='module')
def with_drivers():
    frame = demand()
    result = lc.fit_auto(frame, covariates=['workday', 'temperature'],
                         ensemble=1, epochs=2, seed=0)
    return frame, result


def test_named_drivers_are_used_by_the_chosen_forecast(with_drivers):
    frame, result = with_drivers
    assert type(result) is lc.FitResult  # as for many series
    weights = result.validated.combination
    assert 'regression' in weights
    mase = result.backtest.summary()['MASE']
    assert mase['model'] < 0.9 * mase['seasonal_naive']
    assert 'does not use the covariates' not in result.summary()
    # Past the data, the regression reads the future drivers.
    future = demand(414).iloc[400:]
    forecast = lc.forecast(result.forecaster, frame, 14,
                           future=future[['workday', 'temperature']])
    rows = np.concatenate([frame.to_numpy(), future.to_numpy()])
    expected = regression_forecasts(rows, [399], 14, result.settings.season)
    if weights == {'regression': 1.0}:
        np.testing.assert_allclose(forecast['demand'], expected[:, 0, 0],
                                   rtol=1e-9)
    truth = future['demand'].to_numpy()
    assert np.abs(forecast['demand'] - truth).mean() < np.abs(
        np.tile(frame['demand'].iloc[-7:].to_numpy(), 2) - truth).mean()


def test_a_forecast_without_the_drivers_says_so():
    frame = demand(300)
    result = lc.fit_auto(frame, covariates=['workday', 'temperature'],
                         ensemble=1, epochs=1, seed=0, combine='classical')
    assert result.summary().endswith(
        '; it does not use the covariates workday, temperature '
        '(combine=classical)')
    with pytest.raises(ValueError, match='combine=regression regresses on '
                       'the covariates: name them'):
        lc.fit_auto(frame[['demand']], combine='regression')


def test_the_network_reads_the_drivers_of_the_row_it_predicts(tmp_path):
    # Sales jump in promotion weeks only: a network that reads the
    # promotion of the week it forecasts can follow it; one that reads the
    # week before cannot (0.7 read the current row's covariates).
    rng = np.random.default_rng(3)
    n = 240
    promo = (rng.random(n) < 0.3).astype(float)
    frame = pd.DataFrame({'sales': 100 + 40 * promo + rng.normal(0, 2, n),
                          'promo': promo},
                         index=pd.date_range('2020-01-05', periods=n,
                                             freq='W-SUN'))
    result = lc.fit_auto(frame, covariates=['promo'], combine='none',
                         transform='none', season=0, ensemble=1, seed=0,
                         out=str(tmp_path / 'm'))
    assert result.validated.lead == 1
    mase = result.backtest.summary()['MASE']
    assert mase['model'] < 0.5 * mase['naive']
    # Saved and loaded, it forecasts past the data from the future drivers.
    loaded = lc.load_model(str(tmp_path / 'm'))
    assert loaded.lead == 1 and loaded.record.covariates_lead == 1
    ahead = pd.DataFrame({'promo': [1.0, 0.0, 1.0, 0.0]},
                         index=pd.date_range(frame.index[-1], periods=5,
                                             freq='W-SUN')[1:])
    f = lc.forecast(loaded, frame, 4, future=ahead)['sales'].to_numpy()
    assert f[0] - f[1] > 20 and f[2] - f[3] > 20
