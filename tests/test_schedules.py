import chainer
import numpy as np
import pytest

import lstm_chainer as lc
from lstm_chainer.core.schedules import Constant, Curriculum, ScheduledSampling


class Progress:
    def __init__(self, iteration=0, epoch_detail=0.0):
        self.iteration, self.epoch_detail = iteration, epoch_detail


def test_constant():
    assert Constant(3)(Progress()) == (3, 0.0)


@pytest.mark.parametrize('epoch,expected', [(0, 9), (5, 7), (10, 5),
                                            (20, 1), (22.5, 0), (100, 0)])
def test_curriculum_lowers_support_len_linearly(epoch, expected):
    schedule = Curriculum(start=9, stop=0, epochs=22.5)
    assert schedule(Progress(epoch_detail=epoch)) == (expected, 0.0)


@pytest.mark.parametrize('decay,k,iteration,expected', [
    ('linear', 100, 0, 1.0), ('linear', 100, 25, 0.75), ('linear', 100, 500, 0.0),
    ('exponential', 0.99, 100, 0.99 ** 100),
    ('inverse_sigmoid', 10, 0, 10 / 11),
    ('inverse_sigmoid', 10, 10 * np.log(10), 0.5),
    ('inverse_sigmoid', 10, 10 ** 6, 0.0),
])
def test_scheduled_sampling_probability(decay, k, iteration, expected):
    schedule = ScheduledSampling(support_len=2, decay=decay, k=k)
    assert schedule.probability(iteration) == pytest.approx(expected)
    assert schedule(Progress(iteration))[0] == 2


def test_scheduled_sampling_floor():
    schedule = ScheduledSampling(decay='linear', k=10, minimum=0.25)
    assert schedule.probability(1000) == 0.25


@pytest.mark.parametrize('kwargs,match', [
    (dict(decay='cosine'), 'decay must be one of'),
    (dict(decay='exponential', k=2), 'k=2.0 is not valid for the exponential'),
    (dict(decay='inverse_sigmoid', k=0.5), 'not valid for the inverse_sigmoid'),
    (dict(minimum=2), r'minimum must be in \[0, 1\]'),
    (dict(support_len=-1), 'support_len must be >= 0'),
])
def test_scheduled_sampling_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ScheduledSampling(**kwargs)


def test_curriculum_arguments():
    with pytest.raises(ValueError, match='epochs must be > 0'):
        Curriculum(5, epochs=0)


def train_params(series, fused, schedule, iterations=12, residual=False):
    np.random.seed(7)
    model = lc.Model(2, 2, 9, residual=residual)
    optimizer = chainer.optimizers.Adam()
    optimizer.setup(lc.LossFuncL(model))
    it = lc.LSTM_Iterator(series, batch_size=6, seq_len=10, seed=1)
    updater = lc.LSTM_updater(it, optimizer, support_len=schedule,
                              fused=fused, seed=3)
    reporter = chainer.Reporter()
    reporter.add_observer('main', optimizer.target)
    seen = []
    for _ in range(iterations):
        observation = {}
        with reporter.scope(observation):
            updater.update()
        seen.append((observation['main/support_len'],
                     observation.get('main/truth_probability')))
    return {n: p.array.copy() for n, p in model.namedparams()}, seen


@pytest.mark.parametrize('schedule', [
    Curriculum(9, 0, epochs=1),
    ScheduledSampling(1, 'linear', k=10),
])
@pytest.mark.parametrize('residual', [False, True])
def test_both_paths_follow_a_schedule_identically(series, schedule, residual):
    step, seen = train_params(series, False, schedule, residual=residual)
    fused, seen_fused = train_params(series, True, schedule,
                                     residual=residual)
    assert seen == seen_fused
    assert len({s for s, _ in seen}) > 1 or seen[0][1] is not None
    for name in step:
        np.testing.assert_allclose(step[name], fused[name], rtol=1e-3,
                                   atol=1e-5, err_msg=name)


def test_scheduled_sampling_mixes_truth_and_feedback(series):
    # Probability 1 everywhere is teacher forcing; about 0 is pure feedback.
    forced, _ = train_params(series, True, 9)
    always, _ = train_params(series, True, ScheduledSampling(
        0, 'linear', k=1e9))
    pure, _ = train_params(series, True, 0)
    never, _ = train_params(series, True, lambda updater: (0, 1e-12))
    half, _ = train_params(series, True, lambda updater: (0, 0.5))
    for name in forced:
        np.testing.assert_allclose(always[name], forced[name], rtol=1e-4,
                                   atol=1e-6)
        np.testing.assert_allclose(never[name], pure[name], rtol=1e-4,
                                   atol=1e-6)
    assert not np.allclose(half['/l1/W'], forced['/l1/W'], atol=1e-4)
    assert not np.allclose(half['/l1/W'], pure['/l1/W'], atol=1e-4)
