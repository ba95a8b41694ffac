import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.intervals import interval_scores


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
        np.testing.assert_allclose(half[level], [[{0.8: 1.28, 0.95: 1.96}[
            level]]] * 3, rtol=0.1)
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
