import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.forecasting.preprocessing.transforms import (
    NAMES,
    ColumnTransform,
    Transformer,
)


def positive_series(n=60, seed=0):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    return np.exp(0.02 * t + 0.1 * np.sin(2 * np.pi * t / 4)
                  + 0.05 * rng.randn(n)) * 10


@pytest.mark.parametrize('name', [n.replace('λ', '0.3') for n in NAMES])
def test_inverse_rebuilds_the_levels_exactly(name):
    x = np.stack([positive_series(), positive_series(seed=1)], axis=1)
    t = Transformer([name, 'diff'], season=4)
    z = t.forward(x)
    assert np.isnan(z[:1, 1]).all() and np.isfinite(z[t.lag:]).all()
    origin = 40
    levels = t.inverse(z[origin + 1:origin + 9], x[:origin + 1])
    np.testing.assert_allclose(levels, x[origin + 1:origin + 9], rtol=1e-12)


def test_inverse_of_a_batch_of_origins():
    x = positive_series()[:, None]
    t = Transformer(['seasonal-diff'], season=4)
    z = t.forward(x)
    origins = np.array([10, 20, 33])
    past = x[origins[None, :] + np.arange(-3, 1)[:, None]]  # (4, B, 1)
    future = z[origins[None, :] + np.arange(1, 7)[:, None]]
    expected = x[origins[None, :] + np.arange(1, 7)[:, None]]
    np.testing.assert_allclose(t.inverse(future, past), expected, rtol=1e-12)


def test_parse_per_column_and_errors():
    t = Transformer.parse('b=log-diff', ['a', 'b'])
    assert t.names == ['none', 'log-diff'] and t.lag == 1
    assert Transformer.parse('diff', ['a', 'b']).names == ['diff', 'diff']
    with pytest.raises(ValueError, match="unknown transform 'cube'"):
        Transformer.parse('cube', ['a'])
    with pytest.raises(ValueError, match="unknown column 'c'"):
        Transformer.parse('c=diff', ['a', 'b'])
    with pytest.raises(ValueError, match='seasonal-diff transform needs a '
                       'season'):
        Transformer.parse('seasonal-diff', ['a'])
    again = Transformer.from_dict(t.to_dict())
    assert again.names == t.names and again.columns == ['a', 'b']


def test_checks_on_the_training_part():
    with pytest.raises(ValueError, match="column 'a': the log transform needs "
                       "positive values; its minimum is -1"):
        Transformer(['log'], columns=['a']).check(np.array([[1.0], [-1.0]]))
    with pytest.raises(ValueError, match='looks 12 rows back but the training '
                       'part has only 5'):
        ColumnTransform('seasonal-diff', 12).check(np.ones(5), 'a')


def trend_frame(n=80):
    t = np.arange(n, dtype=np.float64)
    return pd.DataFrame({'up': 100 + 3 * t + np.sin(t),
                         'wave': np.cos(t / 3)},
                        index=pd.date_range('2020-01-01', periods=n,
                                            freq='D', name='day'))


@pytest.fixture
def trend_forecaster(tmp_path):
    frame = trend_frame()
    transformer = Transformer(['diff', 'none'], columns=list(frame.columns))
    forecaster, _ = lc.fit_forecaster(
        frame.iloc[:60], 8, transformer, epoch=2, seq_len=10, support_len=4,
        seed=0, progress=False, print_report=False, snap=100,
        out=str(tmp_path / 'trained'), members=2)
    return forecaster


def test_a_differenced_forecast_leaves_the_training_range(trend_forecaster):
    frame = trend_frame()
    future = lc.forecast(trend_forecaster, frame, 10)
    # The level keeps rising past anything seen in training.
    assert future['up'].iloc[-1] > frame['up'].max() + 10
    assert list(future.index) == list(pd.date_range('2020-03-21', periods=10,
                                                    freq='D'))


def test_backtest_origins_equal_forecasts_from_each_history(trend_forecaster):
    frame = trend_frame()
    result = lc.backtest(trend_forecaster, frame, 5, start=59,
                         baselines=())
    for b, origin in enumerate(result.origins[::7]):
        expected, _ = lc.pred(trend_forecaster, frame.iloc[:origin + 1],
                              origin + 5, s=origin)
        np.testing.assert_allclose(
            result.forecasts['model'][:, b * 7],
            expected.to_numpy()[origin:], rtol=1e-5)


def test_ensemble_is_the_mean_of_its_members(trend_forecaster, tmp_path):
    frame = trend_frame()
    members = [lc.Forecaster(m, trend_forecaster.scaler,
                             transformer=trend_forecaster.transformer)
               for m in trend_forecaster.members]
    both = lc.backtest(trend_forecaster, frame, 4, start=59, baselines=(),
                       context=10).forecasts['model']
    one = [lc.backtest(m, frame, 4, start=59, baselines=(),
                       context=10).forecasts['model'] for m in members]
    np.testing.assert_allclose(both, np.mean(one, axis=0), rtol=1e-6)
    lc.save_model(str(tmp_path), trend_forecaster, columns=['up', 'wave'])
    loaded = lc.load_model(str(tmp_path))
    assert len(loaded.members) == 2 and loaded.transformer.names == [
        'diff', 'none']
    np.testing.assert_allclose(lc.forecast(loaded, frame, 3),
                               lc.forecast(trend_forecaster, frame, 3))


def test_windows_need_the_rows_the_transform_looks_back(trend_forecaster):
    frame = trend_frame()
    with pytest.raises(ValueError, match=r'need 1 known value\(s\) before '
                       'the first forecast: use s >= 1'):
        lc.pred(trend_forecaster, frame, 5, s=0)
    table = lc.valid(trend_forecaster, lc.LSTM_Iterator(
        frame.iloc[60:], seq_len=6, repeat=False), s=2)
    assert table.iloc[0].isna().all() and table.iloc[1:].notna().all().all()


def test_pipeline_round_trip_and_saved_form():
    from lstm_chainer.forecasting.preprocessing.pipeline import Pipeline
    index = pd.date_range('2020-01-01', periods=40, freq='MS')
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({'a': 10 + np.cumsum(rng.rand(40)),
                          'b': rng.randn(40), 'x': rng.rand(40)}, index=index)
    transformer = lc.Transformer(['diff', 'none'], columns=['a', 'b'])
    pipeline = Pipeline.fit(frame, transformer, 2, ['month'])
    z = pipeline.transform_frame(frame)
    assert list(z.columns) == ['a', 'b', 'x', 'month_sin', 'month_cos']
    assert np.allclose(z.iloc[1:].mean(), 0) and np.allclose(z.iloc[1:].std(ddof=0), 1)
    array = pipeline.with_calendar(frame).to_numpy(np.float64)
    np.testing.assert_array_equal(pipeline.transform(array), z.to_numpy())
    back = pipeline.inverse(pipeline.inverse_scaling(z.to_numpy()[20:, :2]),
                            frame.to_numpy()[19:20, :2])
    np.testing.assert_allclose(back, frame.to_numpy()[20:, :2], rtol=1e-12)
    again = Pipeline.from_dict(pipeline.to_dict(), 2)
    np.testing.assert_array_equal(again.transform(array), z.to_numpy())
    assert again.calendar == ['month'] and again.lag == 1


def test_box_cox_names_and_their_errors():
    from lstm_chainer.forecasting.preprocessing.transforms import boxcox_name
    assert ColumnTransform('boxcox(0)-diff').steps == [('log',), ('diff', 1)]
    assert ColumnTransform('boxcox(0.5)').steps == [('boxcox', 0.5)]
    assert boxcox_name(0.004, 'seasonal-diff') == 'log-seasonal-diff'
    assert boxcox_name(0.333, 'diff') == 'boxcox(0.33)-diff'
    x = positive_series()
    t = ColumnTransform('boxcox(0.5)')
    np.testing.assert_allclose(t.forward(x), 2 * (np.sqrt(x) - 1))
    for bad, message in (('boxcox(x)', 'unknown transform'),
                         ('boxcox(3)', 'lambda must lie in'),
                         ('log-foo', 'unknown transform'),
                         ('boxcox(0.5)-seasonal-diff', 'needs a season')):
        with pytest.raises(ValueError, match=message):
            ColumnTransform(bad)
    with pytest.raises(ValueError, match='positive values; its minimum is -1'):
        ColumnTransform('boxcox(0.5)-diff').check(np.r_[x, -1.0], 'sales')
