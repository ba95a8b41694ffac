import numpy as np
import pytest

import lstm_chainer as lc


def test_linear_ar_recovers_a_linear_system():
    # x[t+1] = A x[t] + b exactly: AR(1) must find it and forecast exactly.
    angle = 0.3
    rotation = np.array([[np.cos(angle), -np.sin(angle)],
                         [np.sin(angle), np.cos(angle)]]) * 0.99
    x = np.zeros((200, 2))
    x[0] = [1.0, 0.0]
    for t in range(199):
        x[t + 1] = rotation @ x[t] + [0.01, -0.02]
    ar = lc.LinearAR(1, 2).fit(x[:150])
    np.testing.assert_allclose(ar.coef[:2].T, rotation, atol=1e-8)
    table = lc.valid(ar, lc.LSTM_Iterator(x[150:], seq_len=20, repeat=False))
    assert table['Total'].max() < 1e-5


def test_linear_ar_order_pads_a_short_past_with_the_first_value():
    ar = lc.LinearAR(3, 1)
    ar.coef = np.array([[1.0], [2.0], [4.0], [0.5]])
    ar.reset_state()
    y = ar(np.array([[1.0]], np.float32)).array
    assert y[0, 0] == pytest.approx(1 + 2 + 4 + 0.5)


def test_linear_ar_needs_enough_data():
    with pytest.raises(ValueError, match='data has 3 rows; order 3 needs more'):
        lc.LinearAR(3, 1).fit(np.ones((3, 1)))


def test_forecast_windows_matches_valid(series):
    np.random.seed(0)
    model = lc.Model(2, 2, 6)
    it = lc.LSTM_Iterator(series, batch_size=1000, seq_len=7, repeat=False)
    xs, ts = it.next()
    outputs = lc.forecast_windows(model, xs, 7, s=2)
    rmse = np.sqrt(((outputs - ts) ** 2).mean(axis=(1, 2)))
    np.testing.assert_allclose(rmse, lc.valid(model, it, s=2)['Total'],
                               rtol=1e-5)
