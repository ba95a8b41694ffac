import chainer
import numpy as np
import pandas as pd
import pytest

from lstm_chainer import LossFuncL, LSTM_Iterator, Model, pred, valid


@pytest.fixture
def model():
    np.random.seed(0)
    return Model(2, 2, 12)


def manual_forecast(model, window_inputs, n_steps, s):
    """Independent reference: explicit loop over one batch of windows."""
    net = model.copy(mode='copy')
    net.reset_state()
    outputs = []
    with chainer.using_config('train', False):
        x = window_inputs[0]
        for i in range(n_steps):
            if i <= s:
                x = window_inputs[i]
            y = net(x).array
            outputs.append(y)
            x = y
    return np.stack(outputs)


@pytest.mark.parametrize('fused', [False, True])
@pytest.mark.parametrize('s', [0, 3, 50])
@pytest.mark.parametrize('batch_size', [1, 7, 1000])
def test_valid_matches_a_manual_computation(model, series, s, batch_size,
                                            fused):
    it = LSTM_Iterator(series, batch_size=batch_size, seq_len=6,
                       repeat=False)
    table = valid(model, it, s=s, fused=fused)
    whole = LSTM_Iterator(series, batch_size=1000, seq_len=6, repeat=False)
    xs, ts = whole.next()
    err = (manual_forecast(model, xs, 6, s) - ts) ** 2   # (step, window, var)
    np.testing.assert_allclose(table[['a', 'b']].to_numpy(),
                               np.sqrt(err.mean(axis=1)), rtol=1e-5)
    np.testing.assert_allclose(table['Total'], np.sqrt(err.mean(axis=(1, 2))),
                               rtol=1e-5)
    assert list(table.index) == [1, 2, 3, 4, 5, 6]


def test_valid_table_shape_and_names(model, ramp):
    table = valid(model, LSTM_Iterator(ramp, seq_len=4, repeat=False),
                  total='All')
    assert list(table.columns) == [0, 1, 'All']
    assert table.index.name == 'horizon'


def test_valid_refuses_a_repeating_iterator(model, series):
    with pytest.raises(ValueError, match='repeat=False'):
        valid(model, LSTM_Iterator(series, seq_len=4))


def test_valid_can_be_called_twice(model, series):
    it = LSTM_Iterator(series, seq_len=4, repeat=False)
    pd.testing.assert_frame_equal(valid(model, it), valid(model, it))


@pytest.mark.parametrize('fused', [False, True])
def test_pred_matches_manual_recursion_and_runs_past_the_data(model, series,
                                                              fused):
    head = series.iloc[:10]
    forecast, truth = pred(model, head, 15, s=3, fused=fused)
    inputs = head.to_numpy(np.float32)[:, None, :]
    expected = manual_forecast(model, inputs, 15, 3)[:, 0, :]
    np.testing.assert_allclose(forecast.to_numpy(), expected, rtol=1e-5,
                               atol=1e-6)
    assert list(forecast.columns) == ['a', 'b']
    assert list(forecast.index) == list(range(1, 16))
    np.testing.assert_array_equal(truth.iloc[:9].to_numpy(),
                                  series.iloc[1:10].to_numpy())
    assert truth.iloc[9:].isna().all().all()


def test_pred_from_a_single_point(model):
    forecast, truth = pred(model, [[0.0, 1.0]], 50)
    assert forecast.shape == (50, 2)
    assert truth.isna().all().all()


def test_pred_continues_a_range_index(model, series):
    forecast, truth = pred(model, series.iloc[60:], 30, diff=2)
    assert forecast.index[0] == 62 and forecast.index[-1] == 91
    np.testing.assert_array_equal(truth.loc[62:79].to_numpy(),
                                  series.loc[62:79].to_numpy())


class Watch(chainer.Chain):
    """Records the configuration each step ran under."""

    def __init__(self, model):
        super().__init__()
        with self.init_scope():
            self.model = model
        self.seen = []

    def reset_state(self):
        self.model.reset_state()

    def forward(self, x):
        y = self.model(x)
        self.seen.append((chainer.config.train, chainer.config.enable_backprop,
                          y.creator is None))
        return y


def test_valid_and_pred_build_no_graph_and_run_in_test_mode(model, series):
    watch = Watch(model)
    valid(watch, LSTM_Iterator(series, seq_len=5, repeat=False), s=1)
    pred(watch, series, 8, s=2)
    # copy(mode='share') shares the list, so steps of the copies are seen.
    assert watch.seen and set(watch.seen) == {(False, False, True)}


def test_valid_and_pred_leave_the_model_state_alone(model, series):
    x = np.ones((1, 2), dtype=np.float32)
    model(x)
    model(x)
    h, c = model.l2.h, model.l2.c
    h_value, c_value = h.array.copy(), c.array.copy()
    valid(model, LSTM_Iterator(series, seq_len=5, repeat=False))
    pred(model, series, 20, s=5)
    assert model.l2.h is h and model.l2.c is c
    np.testing.assert_array_equal(model.l2.h.array, h_value)
    np.testing.assert_array_equal(model.l2.c.array, c_value)
    expected = model.copy(mode='copy')(x).array
    np.testing.assert_array_equal(model(x).array, expected)


def test_valid_and_pred_accept_the_training_target(model, series):
    it = LSTM_Iterator(series, seq_len=5, repeat=False)
    pd.testing.assert_frame_equal(valid(LossFuncL(model), it), valid(model, it))
    pd.testing.assert_frame_equal(pred(LossFuncL(model), series, 5)[0],
                                  pred(model, series, 5)[0])


def test_plots_say_what_they_show():
    from lstm_chainer import plotting
    table = pd.DataFrame({'model': [0.5, 0.7], 'persistence': [1.0, 1.2]},
                         index=pd.RangeIndex(1, 3, name='horizon'))
    ax = plotting.plot_backtest(table, ax=plotting.new_axes())
    assert ax.get_title().startswith('backtest: MASE per horizon step')
    assert plotting.plot_backtest(table, ax=plotting.new_axes(),
                                  title='').get_title() == ''
    history = pd.DataFrame({'y': [1.0, 2.0]}, index=pd.RangeIndex(2))
    future = pd.DataFrame({'y': [3.0]}, index=pd.RangeIndex(2, 3))
    axes = plotting.plot_forecast(history, future,
                                  axes=plotting.new_axes_column(1))
    assert axes[0].get_title() == 'forecast of 1 steps after 1'
