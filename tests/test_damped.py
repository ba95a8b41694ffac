"""Damped-trend exponential smoothing in NumPy, and the global model's
combinations with it."""
import numpy as np
import pytest

import lstm_chainer as lc
from lstm_chainer.forecasting.classical.damped import (
    _fixed_forecasts,
    damped_forecast,
    damped_forecasts,
    damped_origin_forecasts,
)
from lstm_chainer.forecasting.classical.theta import has_season
from lstm_chainer.forecasting.models.global_model import (
    CANDIDATES,
    baseline_collection,
)


def test_a_constant_stays_and_a_trend_goes_on_damped():
    np.testing.assert_allclose(damped_forecast(np.full(30, 7.0), 5), 7.0)
    line = 10 + 2 * np.arange(40.0)
    f = damped_forecast(line, 6)
    # Continues the trend, damped: below the straight line, above the
    # last value, rising.
    straight = 10 + 2 * np.arange(40, 46.0)
    assert (f <= straight + 1e-9).all() and (f > line[-1]).all()
    assert (np.diff(f) > 0).all()
    assert abs(f[0] - straight[0]) < 0.5


def test_noise_around_a_level_is_forecast_flat():
    rng = np.random.default_rng(0)
    y = 50 + rng.normal(0, 1, 60)
    f = damped_forecast(y, 8)
    assert np.ptp(f) < 0.5 and abs(f.mean() - 50) < 1.5


def test_many_columns_at_once_match_one_at_a_time():
    rng = np.random.default_rng(1)
    columns = [np.cumsum(rng.normal(0.3, 1, n)) + 100
               for n in (3, 9, 25, 48, 80)]
    many = damped_forecasts(columns, 7, season=4, chunk=2)
    for j, y in enumerate(columns):
        np.testing.assert_allclose(many[:, j], damped_forecast(y, 7, 4),
                                   rtol=1e-12)
    # A season the test finds is carried forward.
    t = np.arange(48)
    seasonal = 100 + 10 * np.tile([1.0, -1.0, 2.0, -2.0], 12) + 0.1 * t
    f = damped_forecast(seasonal, 8, 4)
    assert np.argmax(f[:4]) == 2 and np.argmin(f[:4]) == 3


def test_a_changing_seasonal_swing_is_followed_a_steady_one_kept():
    rng = np.random.default_rng(3)
    t = np.arange(96)
    # The peak moves from the first quarter to the second over the years.
    share = t / 95
    early, late = np.array([8.0, 0, -8, 0]), np.array([0.0, 8, 0, -8])
    shifting = 100 + (1 - share) * early[t % 4] + share * late[t % 4] \
        + rng.normal(0, 0.5, 96)
    truth = 100 + np.tile(late, 2)
    smoothed = damped_forecast(shifting, 8, 4)
    fixed = _fixed_forecasts([shifting], 8, 4)[:, 0]
    assert np.argmax(smoothed[:4]) == 1
    assert np.abs(smoothed - truth).mean() < 0.5 * np.abs(fixed - truth).mean()
    # A steady swing keeps the classical indices (the same forecast).
    steady = 100 + early[t % 4] + rng.normal(0, 0.5, 96)
    np.testing.assert_array_equal(damped_forecast(steady, 8, 4),
                                  _fixed_forecasts([steady], 8, 4)[:, 0])


def test_a_season_the_test_misses_is_learnt_where_aic_says_so():
    # A wandering level (AR 0.85) with a weak quarterly swing: the ACF
    # test finds no season, the smoothed indices learnt from zero do.
    n, t = 48, np.arange(48)
    rng = np.random.default_rng(2)
    wander = np.zeros(n)
    for i, e in enumerate(rng.normal(0, 1, n)[1:], 1):
        wander[i] = 0.85 * wander[i - 1] + e
    swing = np.array([1.0, -1, 1, -1])
    y = 50 + wander + 0.6 * swing[t % 4]
    assert not has_season(y, 4)
    f = damped_forecast(y, 8, 4)
    assert (np.sign(f - f.mean()) == np.tile(swing, 2)).all()
    assert np.ptp(_fixed_forecasts([y], 8, 4)[:, 0]) < 1e-9  # flat before
    # Without the swing, AIC keeps the non-seasonal forecast exactly.
    plain = 50 + wander
    assert not has_season(plain, 4)
    np.testing.assert_array_equal(damped_forecast(plain, 8, 4),
                                  _fixed_forecasts([plain], 8, 4)[:, 0])
    # Too short to learn a season (under two seasons and two rows): none.
    np.testing.assert_array_equal(damped_forecast(y[:9], 4, 4),
                                  _fixed_forecasts([y[:9]], 4, 4)[:, 0])


def test_the_global_model_combines_with_damped_smoothing():
    rng = np.random.default_rng(2)
    c = lc.Collection.from_series(
        [100 + np.cumsum(rng.normal(0.5, 1, 40)) for _ in range(8)])
    result = lc.fit_global(c, refit=False, horizon=4, ensemble=1,
                           iterations=20, combine='mean_damped')
    forecaster = result.forecaster
    assert forecaster.combination == CANDIDATES['mean_damped']
    damped = baseline_collection('damped', c, 4, 1)
    np.testing.assert_allclose(forecaster.forecast(c),
                               0.5 * forecaster.network(c) + 0.5 * damped)
    summary = result.backtest.summary()
    assert {'damped', 'theta', 'network'} <= set(summary.index)
    assert 'the mean of the network and damped ES' in result.summary()
    auto = lc.fit_global(c, refit=False, horizon=4, ensemble=1,
                         iterations=20)
    assert 'validation MASE: the mean of the network and damped ES' in \
        ' '.join(auto.notes)
    with pytest.raises(ValueError, match='combine must be one of auto, none, mean, '
                       'theta, mean_damped, damped, mean3, classical'):
        lc.fit_global(c, horizon=4, combine='ets')


@pytest.mark.parametrize('season', [None, 12])
@pytest.mark.parametrize('columns', [6, 300])
def test_a_backtest_refits_a_narrow_table_and_holds_a_wide_ones_fit(
        season, columns):
    rng = np.random.default_rng(3)
    t = np.arange(150)
    y = 100 + np.cumsum(rng.normal(0.2, 1, (150, columns)), axis=0)
    if season:
        y[:, :2] += (10 + 0.1 * t[:, None]) * np.sin(
            2 * np.pi * t / season)[:, None]  # a growing swing: smoothed
        y[:, 2:4] *= (1 + 0.1 * np.sin(2 * np.pi * t / season))[:, None]
    origins = np.arange(100, 140)
    out = damped_origin_forecasts(y, origins, 6, season)
    shown = range(6)
    refit = np.stack([damped_forecasts([y[:o + 1, j] for j in shown], 6,
                                       season) for o in origins], axis=1)
    # At the first origin: the forms and weights of one fit, exactly.
    np.testing.assert_allclose(out[:, 0, :6], refit[:, 0], rtol=1e-12)
    if columns == 6:  # 240 fits: within the budget, every origin refitted
        np.testing.assert_allclose(out, refit, rtol=1e-12)
    else:  # one fit held, the states filtered on: near a refit
        assert 0 < np.abs(out[:, :, :6] - refit).max() \
            < 0.05 * np.abs(refit).mean()
    later = y.copy()
    later[140:] = 0  # nothing after the last origin is read
    np.testing.assert_array_equal(
        damped_origin_forecasts(later, origins, 6, season), out)


def test_smoothed_seasons_of_any_lengths_fit_together_as_alone():
    # Columns of different lengths sit at different phases of the season
    # in one array; each must get exactly its own fit.
    rng = np.random.default_rng(4)
    columns = []
    for n in (30, 41, 55, 72, 97, 120):
        t = np.arange(n)
        swing = 1 + 0.3 * (1 + t / n) * np.sin(2 * np.pi * t / 12)
        columns.append((50 + 0.2 * t) * swing + rng.normal(0, 1, n))
    columns.append(-columns[-1])  # additive indices
    many = damped_forecasts(columns, 14, season=12)
    for j, y in enumerate(columns):
        np.testing.assert_array_equal(many[:, j], damped_forecast(y, 14, 12))


def test_a_long_series_is_fitted_on_its_last_rows_in_phase():
    # 40,000 rows: the backtest's fit reads the last FIT_ROWS (whole
    # seasons) and filters the states on from the first row; the season
    # stays in phase with the whole history's fit.
    rng = np.random.RandomState(6)
    t = np.arange(40_000)
    y = (500 + np.cumsum(rng.randn(40_000)) * 0.3
         + 20 * np.sin(2 * np.pi * t / 12))[:, None]
    origin = 39_503
    out = damped_origin_forecasts(y, [origin], 12, 12)[:, 0, 0]
    whole = damped_forecast(y[:origin + 1, 0], 12, 12)
    assert np.abs(out - whole).max() < 0.05 * 20
