import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.forecasting.evaluation.intervals import interval_scores


def test_conformal_rank():
    # 9 calibration residuals 1..9: the 80 % half-width is the
    # ceil(10 * 0.8) = 8th smallest; 95 % needs ceil(9.5) = 10 > 9: inf.
    residuals = np.arange(1, 10, dtype=np.float64)[None, :, None]
    half = lc.conformal_quantiles(-residuals, levels=(0.8, 0.95))
    assert half[0.8][0, 0] == 8
    assert np.isinf(half[0.95]).all()
    with pytest.raises(ValueError, match='levels must be in'):
        lc.conformal_quantiles(residuals, levels=(80,))


def test_scores_by_hand():
    forecasts = np.zeros((1, 4, 1))
    actual = np.array([0.5, -0.5, 2.0, -3.0]).reshape(1, 4, 1)
    scores = interval_scores(forecasts, actual, {0.5: np.ones((1, 1))},
                             np.array([2.0]))
    row = scores.loc[0.5]
    assert row['coverage'] == 0.5 and row['width'] == 1.0
    # Widths 2; misses by 1 and 2, times 2 / alpha = 4: (2*4 + 4 + 8) / 4 / 2
    assert row['MSIS'] == pytest.approx((2 * 4 + 4 * 1 + 4 * 2) / 4 / 2)


def test_coverage_is_nominal_for_exchangeable_errors():
    rng = np.random.RandomState(0)
    data = pd.DataFrame({'x': np.cumsum(rng.randn(3000))})
    result = lc.backtest(None, data, 3, start=999)
    noisy = result.actual + rng.randn(*result.actual.shape)
    result.add('model', noisy)
    half, scores = result.intervals('model', levels=(0.8, 0.95))
    for level in (0.8, 0.95):
        assert scores.loc[level, 'coverage'] == pytest.approx(level, abs=0.03)
        # The tracked widths wander by the steps around the true quantile.
        np.testing.assert_allclose(half[level], [[{0.8: 1.28, 0.95: 1.96}[
            level]]] * 3, rtol=0.15)
    with pytest.raises(ValueError, match='calibration must be in'):
        result.intervals('model', calibration=1.5)


def test_with_intervals_columns_and_long_forecasts():
    future = pd.DataFrame({'a': [1.0, 2.0, 3.0], 'b': [0.0, 0.0, 0.0]})
    half = {0.8: np.array([[0.1, 1.0], [0.2, 2.0]])}
    frame = lc.with_intervals(future, half)
    assert list(frame.columns) == ['a', 'b', 'a_lower_80', 'a_upper_80',
                                   'b_lower_80', 'b_upper_80']
    np.testing.assert_allclose(frame['a_upper_80'], [1.1, 2.2, 3.2])
    np.testing.assert_allclose(frame['b_lower_80'], [-1, -2, -2])


def test_tracking_without_rate_is_split_conformal():
    rng = np.random.RandomState(1)
    residuals = rng.randn(2, 40, 3)
    widths, final = lc.tracked_quantiles(residuals, (0.8,), 20, rate=0)
    start = lc.conformal_quantiles(residuals[:, :20], (0.8,))[0.8]
    np.testing.assert_array_equal(widths[0.8], np.repeat(start[:, None], 20,
                                                         axis=1))
    np.testing.assert_allclose(final[0.8], start, rtol=1e-12)


def test_tracking_follows_a_calmer_period():
    # Errors four times smaller after the calibration origins: split
    # conformal covers nearly everything, the tracker comes back to 80 %.
    rng = np.random.RandomState(2)
    residuals = np.concatenate([2 * rng.randn(1, 500, 1),
                                0.5 * rng.randn(1, 2000, 1)], axis=1)
    forecasts = np.zeros_like(residuals)
    for rate, low, high in ((0, 0.99, 1.0), (0.2, 0.77, 0.83)):
        widths, final = lc.tracked_quantiles(residuals, (0.8,), 500,
                                             rate=rate)
        scores = interval_scores(forecasts[:, 500:], -residuals[:, 500:],
                                 widths, np.ones(1))
        assert low <= scores.loc[0.8, 'coverage'] <= high
    assert final[0.8][0, 0] < 1.0   # 0.5 * 1.28 give or take the steps


def test_tracking_uses_only_known_outcomes():
    # The width of origin t may depend on the outcome of origin t - h - 1
    # for horizon step h, never on a later one.
    rng = np.random.RandomState(3)
    residuals = rng.randn(3, 60, 1)
    residuals[:, 40] = 0   # covered ...
    widths, _ = lc.tracked_quantiles(residuals, (0.8,), 20)
    changed = residuals.copy()
    changed[:, 40] = 100   # ... or missed
    after, _ = lc.tracked_quantiles(changed, (0.8,), 20)
    for h in range(3):
        first_seen = 40 - 20 + h + 1
        np.testing.assert_array_equal(after[0.8][h, :first_seen],
                                      widths[0.8][h, :first_seen])
        assert after[0.8][h, first_seen] > widths[0.8][h, first_seen]
    with pytest.raises(ValueError, match='cannot be split'):
        lc.tracked_quantiles(residuals, (0.8,), 60)


def drifting_residuals(seed=0, steps=6, origins=300):
    """Errors whose scale jumps, then calms: trackers of different levels
    move at different speeds."""
    rng = np.random.RandomState(seed)
    scale = np.r_[np.ones(origins // 3), 6 * np.ones(origins // 3),
                  0.2 * np.ones(origins - 2 * (origins // 3))]
    return rng.standard_t(2, size=(steps, origins, 2)) * scale[None, :, None]


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_tracked_levels_nest_at_every_step_and_origin(seed):
    residuals = drifting_residuals(seed)
    widths, final = lc.tracked_quantiles(residuals, (0.5, 0.8, 0.95), 60)
    assert (widths[0.8] >= widths[0.5]).all()
    assert (widths[0.95] >= widths[0.8]).all()
    assert (final[0.95] >= final[0.8]).all() and (final[0.8] >= final[0.5]).all()


def test_tracked_widths_stay_below_the_largest_error_known():
    residuals = drifting_residuals(3, steps=48)
    delays = np.arange(1, 49)
    widths, _ = lc.tracked_quantiles(residuals, (0.8,), 60, delays)
    errors = np.abs(residuals)
    for t in range(0, 240, 17):
        # Known at later origin t: the calibration origins and those whose
        # outcome has arrived (delay d origins later).
        for h in range(48):
            seen = errors[h, :60 + max(0, t - delays[h] + 1)].max(axis=0)
            assert (widths[0.8][h, t] <= seen + 1e-12).all()


def test_bounds_of_a_never_negative_series_stay_at_or_above_zero():
    future = pd.DataFrame({'calls': [2.0, 1.0], 'temp': [-1.0, 0.5]})
    half = {0.8: np.array([[3.0, 1.0], [3.0, 1.0]])}
    frame = lc.with_intervals(future, half, floor=[0.0, None])
    assert (frame['calls_lower_80'] == 0).all()
    assert frame['temp_lower_80'].tolist() == [-2.0, -0.5]
    # A level that could not be calibrated is left out, not written as inf.
    frame = lc.with_intervals(future, {**half, 0.95: np.full((2, 2), np.inf)})
    assert not [c for c in frame.columns if c.endswith('_95')]
