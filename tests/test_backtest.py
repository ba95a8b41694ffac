import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.forecasting.evaluation.backtest import (
    baseline_forecasts,
    error_metrics,
    naive_scale,
    rolling_origins,
)


@pytest.fixture
def ramp():
    # Row k is (k, 100 - 2k): every baseline's forecast is easy to write.
    k = np.arange(30, dtype=np.float64)
    return np.stack([k, 100 - 2 * k], axis=1)


def test_origins_keep_the_whole_horizon():
    assert list(rolling_origins(20, 10, 4, 2)) == [10, 12, 14]
    assert list(rolling_origins(20, 15, 4)) == [15]
    assert not len(rolling_origins(20, 16, 4))


def test_baselines_by_hand(ramp):
    origins = np.array([10, 15])
    p = baseline_forecasts('naive', ramp, origins, 3)
    np.testing.assert_array_equal(p[:, 0], [[10, 80]] * 3)
    s = baseline_forecasts('seasonal_naive', ramp, origins, 5, season=4)
    # Targets 11..15 from origin 10 repeat rows 7, 8, 9, 10 (one season
    # back), then 15 - 8 = 7 (two seasons: row 11 is not known yet).
    np.testing.assert_array_equal(s[:, 0, 0], [7, 8, 9, 10, 7])
    d = baseline_forecasts('drift', ramp, origins, 3)
    np.testing.assert_allclose(d[:, 1], [[16, 68], [17, 66], [18, 64]])
    with pytest.raises(ValueError, match="unknown baseline 'mean'"):
        baseline_forecasts('mean', ramp, origins, 3)


def test_mase_scale_and_metrics(ramp):
    np.testing.assert_array_equal(naive_scale(ramp[:10]), [1, 2])
    np.testing.assert_array_equal(naive_scale(ramp[:10], 4), [4, 8])
    # One rule at zero scale: a column seasonal naive gets exactly right
    # is scaled by the naive's error; a constant one by 1.
    weekly = np.column_stack([np.tile([0., 0, 1, 1], 5), np.full(20, 3.)])
    np.testing.assert_allclose(naive_scale(weekly, 4), [9 / 19, 1])
    np.testing.assert_allclose(naive_scale(weekly), [9 / 19, 1])
    forecasts = np.zeros((2, 3, 1))
    actual = np.ones((2, 3, 1))
    m = error_metrics(forecasts, actual, np.array([0.5]))
    np.testing.assert_array_equal(m['MAE'], [[1], [1]])
    np.testing.assert_array_equal(m['MASE'], [[2], [2]])
    np.testing.assert_array_equal(m['sMAPE'], [[200], [200]])


def test_baselines_only_and_the_tables(ramp):
    frame = pd.DataFrame(ramp, columns=['up', 'down'],
                         index=pd.date_range('2021-01-01', periods=30,
                                             freq='MS'))
    result = lc.backtest(None, frame, 3, start=19, season=4)
    assert list(result.origins) == list(range(19, 27))
    summary = result.summary()
    # Drift is exact on a straight line; persistence is h steps off, a
    # quarter of the seasonal naive error (4 steps) on average.
    assert summary.loc['drift', 'MASE'] == pytest.approx(0, abs=1e-12)
    assert summary.loc['naive', 'MASE'] == pytest.approx(0.5)
    table = result.table
    assert list(table.columns) == ['model', 'origin', 'horizon', 'variable',
                                   'forecast', 'actual']
    assert len(table) == 5 * 8 * 2 * 3  # models x origins x vars x horizons
    # Theta carries half the slope on: half way between persistence and drift.
    assert summary.loc['theta', 'MASE'] == pytest.approx(0.25, rel=0.05)
    row = table[(table['model'] == 'naive') & (table['horizon'] == 2)
                & (table['variable'] == 'down')].iloc[0]
    assert row['origin'] == frame.index[19]
    assert (row['forecast'], row['actual']) == (100 - 38, 100 - 42)
    assert list(result.mase().columns) == ['naive', 'seasonal_naive',
                                           'drift', 'theta', 'damped']


def test_model_context_windows_match_pred():
    np.random.seed(0)
    model = lc.Model(2, 2, 6)
    data = np.random.randn(50, 2)
    result = lc.backtest(model, data, 4, start=30, context=8)
    for b, origin in enumerate(result.origins):
        window = data[origin - 7:origin + 1]
        expected, _ = lc.pred(model, window, 7 + 4, s=7)
        np.testing.assert_allclose(result.forecasts['model'][:, b],
                                   expected.to_numpy()[7:], rtol=1e-5,
                                   atol=1e-6)


def test_backtest_errors(ramp):
    with pytest.raises(ValueError, match='no origin: the data has 30 rows'):
        lc.backtest(None, ramp, 5, start=26)
    with pytest.raises(ValueError, match=r'first origin \(3\) has 4 rows of '
                       'history, fewer than context=8'):
        lc.backtest(lc.Model(2, 2, 4), ramp, 2, start=3, context=8)
    with pytest.raises(ValueError, match='needs the fused path; give '
                       'OwnModel a context'):
        lc.backtest(OwnModel(2, 2, 4), ramp, 2, start=10)


class OwnModel(lc.Model):
    def forward(self, x):
        return super().forward(x)


def test_own_models_run_with_a_context(ramp):
    np.random.seed(0)
    own = OwnModel(2, 2, 4)
    plain = lc.Model(2, 2, 4)
    plain.copyparams(own)
    a = lc.backtest(own, ramp, 3, start=10, context=5, baselines=())
    b = lc.backtest(plain, ramp, 3, start=10, context=5, baselines=())
    np.testing.assert_allclose(a.forecasts['model'], b.forecasts['model'],
                               rtol=1e-5)
