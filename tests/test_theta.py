import numpy as np

from lstm_chainer.forecasting.classical.theta import (
    FIT_CELLS,
    FIT_ROWS,
    fit_start,
    has_season,
    refit_groups,
    seasonal_indices,
    theta_forecast,
    theta_forecasts,
    theta_forecasts_of,
)


def test_theta_carries_half_the_trend_on():
    # The theta = 0 line's slope, halved (Hyndman & Billah, 2003).
    y = 10 + 0.5 * np.arange(60.0)
    out = theta_forecasts(y[:, None], [49], 5)[:, 0, 0]
    np.testing.assert_allclose(np.diff(out), 0.25, rtol=1e-3)
    assert abs(out[0] - y[49]) < 0.5


def test_the_season_is_tested_removed_and_put_back():
    t = np.arange(72.0)
    pattern = 1 + 0.3 * np.sin(2 * np.pi * t / 12)
    y = 100 * pattern
    assert has_season(y, 12) and not has_season(np.ones(72) + t, 12)
    assert not has_season(y[:20], 12)  # fewer than two seasons
    np.testing.assert_allclose(seasonal_indices(y, 12, True), pattern[:12],
                               rtol=1e-2)
    # A flat level times the season: the forecast is the season again.
    np.testing.assert_allclose(theta_forecast(y, 12, 12), y[:12], rtol=1e-2)


def test_every_origin_sees_only_its_history():
    rng = np.random.RandomState(0)
    y = np.cumsum(rng.randn(50, 2), axis=0)
    out = theta_forecasts(y, [20, 35], 4)
    # The first origin is fitted as one forecast is (up to float rounding:
    # the trend's line from sums, not lstsq).
    np.testing.assert_allclose(out[:, 0, 1], theta_forecast(y[:21, 1], 4),
                               rtol=1e-12)
    assert np.isfinite(out).all()
    later = y.copy()
    later[36:] += 1000  # rows after the last origin change nothing
    np.testing.assert_array_equal(theta_forecasts(later, [20, 35], 4), out)
    # One origin is one forecast, wherever it is.
    np.testing.assert_allclose(theta_forecasts(y, [35], 4)[:, 0, 0],
                               theta_forecast(y[:36, 0], 4), rtol=1e-12)


def test_a_long_series_is_refitted_at_fewer_origins():
    # Every fit reads the whole history: fits x rows x columns is bounded.
    origins = np.arange(200_000, 250_000, 5)
    groups = refit_groups(origins, 2)
    assert len(groups) == FIT_CELLS // (250_000 * 2)
    assert np.concatenate(groups).tolist() == list(range(len(origins)))
    # Up to 4,096 rows a column, every origin is still refitted.
    short = np.arange(3_900, 4_000)
    assert len(refit_groups(short, 1)) == 100
    assert len(refit_groups(short, 1, rows=10 ** 6)) == 1


def test_a_long_series_is_fitted_on_its_last_rows_in_phase():
    # 40,000 rows: the backtest fits the last FIT_ROWS (whole seasons)
    # before its first origin, and filters on from the first row; the
    # forecasts stay those of fitting the whole history, the season in
    # phase (a shifted one would miss by its amplitude).
    assert fit_start(100, 12) == 0
    assert fit_start(FIT_ROWS + 1000, 12) % 12 == 0
    assert FIT_ROWS + 1000 - fit_start(FIT_ROWS + 1000, 12) >= FIT_ROWS
    rng = np.random.RandomState(5)
    t = np.arange(40_000)
    y = (500 + np.cumsum(rng.randn(40_000)) * 0.3
         + 20 * np.sin(2 * np.pi * t / 12))[:, None]
    origins = np.array([39_000 + 5, 39_500 + 7])
    out = theta_forecasts(y, origins, 12, 12)
    for k, o in enumerate(origins):
        whole = theta_forecast(y[:o + 1, 0], 12, 12)
        assert np.abs(out[:, k, 0] - whole).max() < 0.05 * 20


def test_a_wide_tables_origins_hold_one_fit_and_follow_the_level():
    rng = np.random.RandomState(1)
    t = np.arange(120)
    # 300 columns x 30 origins is past the fit budget: one fit, held.
    y = (100 + np.cumsum(rng.randn(120, 300), axis=0)
         + 8 * np.sin(2 * np.pi * t / 12)[:, None])
    origins = np.arange(80, 110)
    assert len(refit_groups(origins, 300)) == 1
    assert len(refit_groups(origins, 2)) == 30  # a narrow table: every one
    out = theta_forecasts(y, origins, 6, 12)
    refit = np.stack([theta_forecast(y[:o + 1, 0], 6, 12) for o in origins],
                     axis=1)
    np.testing.assert_allclose(out[:, 0, 0], refit[:, 0], rtol=1e-12)
    # Held weight and indices: close to refitting at every origin (within
    # 2 % of the level here), not equal.
    assert 0 < np.abs(out[:, :, 0] - refit).max() < 0.02 * np.abs(
        refit).mean()
    # The level is followed: a jump before an origin moves its forecast.
    jumped = y.copy()
    jumped[95:, 0] += 50
    moved = theta_forecasts(jumped, origins, 6, 12)
    assert (moved[:, origins >= 100, 0] - out[:, origins >= 100, 0]
            ).mean() > 25
    np.testing.assert_array_equal(moved[:, :, 1:], out[:, :, 1:])


def test_series_of_any_lengths_are_forecast_together_as_alone():
    rng = np.random.default_rng(2)
    t = np.arange(90.0)
    columns = [np.array([5.0]), 3 + np.arange(2.0)]
    for n in (13, 30, 49, 90):
        season = 1 + 0.2 * np.sin(2 * np.pi * t[:n] / 12)
        columns.append((20 + 0.3 * t[:n]) * season + rng.normal(0, 1, n))
    together = theta_forecasts_of(columns, 7, 12, chunk=2)
    assert np.all(together[:, 0] == 5.0)
    for j, y in enumerate(columns[1:], 1):
        np.testing.assert_array_equal(together[:, j], theta_forecast(y, 7, 12))
