import os

import chainer
import numpy as np
import pytest

import lstm_chainer as lc
from lstm_chainer.core.optimizers import FlatAdam


def train(optimizer, series, iterations=6, hooks=(), seed=0):
    np.random.seed(seed)
    model = lc.Model(2, 2, 8)
    target = lc.LossFuncL(model)
    optimizer.setup(target)
    for hook in hooks:
        optimizer.add_hook(hook)
    it = lc.LSTM_Iterator(series, batch_size=4, seq_len=6, support_len=2,
                          seed=0)
    updater = lc.LSTM_updater(it, optimizer)
    for _ in range(iterations):
        updater.update()
    return model, optimizer


def assert_same(a, b):
    for (name, p), (_, q) in zip(sorted(a.namedparams()),
                                 sorted(b.namedparams())):
        np.testing.assert_array_equal(p.array, q.array, err_msg=name)


@pytest.mark.parametrize('kwargs,hooks', [
    ({}, ()),
    ({'alpha': 0.01, 'weight_decay_rate': 0.01}, ()),
    ({}, (lambda: chainer.optimizer_hooks.GradientClipping(0.05),
          lambda: chainer.optimizer_hooks.WeightDecay(1e-3))),
])
def test_flat_adam_is_bit_identical_to_adam(series, kwargs, hooks):
    flat_model, flat = train(FlatAdam(**kwargs), series,
                             hooks=[h() for h in hooks])
    model, _ = train(chainer.optimizers.Adam(**kwargs), series,
                     hooks=[h() for h in hooks])
    assert flat._flat is not None  # the flat update ran
    assert_same(flat_model, model)


def test_flat_adam_falls_back_where_it_does_not_apply(series):
    flat_model, flat = train(FlatAdam(amsgrad=True), series)
    model, _ = train(chainer.optimizers.Adam(amsgrad=True), series)
    assert flat._flat is None
    assert_same(flat_model, model)
    # A per-parameter hyperparameter: Adam's own per-parameter update.
    np.random.seed(0)
    target = lc.LossFuncL(lc.Model(2, 2, 8))
    optimizer = FlatAdam().setup(target)
    target.predictor.l1.W.update_rule.hyperparam.alpha = 0.1
    assert optimizer._eligible() is None


def test_flat_adam_snapshot_resumes_exactly(series, tmp_path):
    # Three updates, save, three more; against six straight, and a resume
    # into a fresh optimizer (whose states load into the flat views).
    straight, _ = train(FlatAdam(), series, iterations=6)
    model, optimizer = train(FlatAdam(), series, iterations=3)
    path = str(tmp_path / 'state.npz')
    chainer.serializers.save_npz(path, optimizer)
    chainer.serializers.save_npz(path + '.model', model)
    np.random.seed(0)
    fresh = lc.Model(2, 2, 8)
    resumed = FlatAdam().setup(lc.LossFuncL(fresh))
    chainer.serializers.load_npz(path + '.model', fresh)
    chainer.serializers.load_npz(path, resumed)
    assert os.path.getsize(path) > 0
    for opt in (optimizer, resumed):
        it = lc.LSTM_Iterator(series, batch_size=4, seq_len=6,
                              support_len=2, seed=0)
        for _ in range(3):
            it.next()  # the windows the first three updates took
        updater = lc.LSTM_updater(it, opt)
        for _ in range(3):
            updater.update()
    assert_same(model, straight)
    assert_same(fresh, straight)
    assert resumed.t == 6 and fresh.l1.W.update_rule.t == 6


def test_adam_snapshots_resume_into_flat_adam(series, tmp_path):
    # The states are Adam's, key for key: a run saved by Adam continues
    # under FlatAdam as it would have under Adam.
    straight, _ = train(chainer.optimizers.Adam(), series, iterations=6)
    model, optimizer = train(chainer.optimizers.Adam(), series, iterations=3)
    path = str(tmp_path / 'adam.npz')
    chainer.serializers.save_npz(path, optimizer)
    resumed = FlatAdam().setup(lc.LossFuncL(model))
    chainer.serializers.load_npz(path, resumed)
    it = lc.LSTM_Iterator(series, batch_size=4, seq_len=6, support_len=2,
                          seed=0)
    for _ in range(3):
        it.next()
    updater = lc.LSTM_updater(it, resumed)
    for _ in range(3):
        updater.update()
    assert resumed._flat is not None
    assert_same(model, straight)
