import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.forecasting.intervals import interval_scores


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
