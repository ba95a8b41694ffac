import chainer
import chainer.functions as F
import numpy as np
import pytest

from lstm_chainer import LossFuncL, LSTM_Iterator, LSTM_updater, Model


class Spy(chainer.Chain):
    """Records every input and output of the wrapped one-step model."""

    def __init__(self, model):
        super().__init__()
        with self.init_scope():
            self.model = model
        self.inputs, self.outputs = [], []

    def reset_state(self):
        self.model.reset_state()

    def forward(self, x):
        y = self.model(x)
        self.inputs.append(x)
        self.outputs.append(y)
        return y


def run_one_update(series, seq_len, support_len):
    spy = Spy(Model(2, 2, 8))
    target = LossFuncL(spy)
    optimizer = chainer.optimizers.Adam()
    optimizer.setup(target)
    it = LSTM_Iterator(series, batch_size=4, seq_len=seq_len,
                       support_len=support_len, seed=0)
    batches = []

    @chainer.dataset.converter()
    def recording(batch, device):
        batches.append(batch)
        return batch

    updater = LSTM_updater(it, optimizer, converter=recording)
    reporter = chainer.Reporter()
    reporter.add_observer('main', target)
    observation = {}
    with reporter.scope(observation):
        updater.update()
    return spy, batches[0], observation


@pytest.mark.parametrize('seq_len,support_len', [(6, 0), (6, 2), (6, 5),
                                                 (6, 6), (6, 10), (1, 0)])
def test_one_call_per_step_and_feedback_is_scored(series, seq_len,
                                                  support_len):
    spy, (xs, ts), observation = run_one_update(series, seq_len, support_len)
    assert len(spy.outputs) == seq_len
    for i, x in enumerate(spy.inputs):
        if i <= support_len:
            np.testing.assert_array_equal(x, xs[i])
        else:
            assert x is spy.outputs[i - 1]
    expected = np.mean([F.mean_squared_error(y, t).array
                        for y, t in zip(spy.outputs, ts)])
    assert float(observation['main/loss']) == pytest.approx(
        expected, rel=1e-5)


def test_update_changes_parameters_and_frees_graph(series):
    np.random.seed(0)
    before = {name: p.array.copy()
              for name, p in Model(2, 2, 8).namedparams()}
    np.random.seed(0)  # the same initial parameters in run_one_update
    spy, _, _ = run_one_update(series, 6, 2)
    after = dict(spy.model.namedparams())
    assert set(after) == set(before)
    assert all(not np.array_equal(before[name], after[name].array)
               for name in before if after[name].grad is not None)
    assert any(after[name].grad is not None for name in before)
    # unchain_backward cut the graph behind the last output.
    assert spy.outputs[-1].creator is None


def test_training_reduces_the_loss(series):
    target = LossFuncL(Model(2, 2, 16))
    optimizer = chainer.optimizers.Adam(alpha=0.01)
    optimizer.setup(target)
    it = LSTM_Iterator(series, batch_size=8, seq_len=8, support_len=3, seed=0)
    updater = LSTM_updater(it, optimizer)
    reporter = chainer.Reporter()
    reporter.add_observer('main', target)
    losses = []
    for _ in range(60):
        observation = {}
        with reporter.scope(observation):
            updater.update()
        losses.append(float(observation['main/loss']))
    assert np.mean(losses[-10:]) < 0.3 * np.mean(losses[:5])
    assert updater.iteration == 60
    assert updater.epoch == it.epoch > 0


def test_support_len_argument_overrides_iterator(series):
    it = LSTM_Iterator(series, seq_len=5, support_len=4)
    optimizer = chainer.optimizers.SGD()
    optimizer.setup(LossFuncL(Model(2, 2, 4)))
    assert LSTM_updater(it, optimizer).support_len == 4
    assert LSTM_updater(it, optimizer, support_len=1).support_len == 1
    with pytest.raises(ValueError, match='support_len must be >= 0, got -2'):
        LSTM_updater(it, optimizer, support_len=-2)
