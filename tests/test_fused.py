import chainer
import chainer.functions as F
import numpy as np
import pytest
from chainer import gradient_check

from lstm_chainer import (
    LossFuncL,
    LSTM_Iterator,
    LSTM_updater,
    Model,
    forecast_windows,
    unroll,
)
from lstm_chainer.core import fused as fused_module
from lstm_chainer.core.fused import (
    FusedWindow,
    forecast_array,
    fused_window,
    model_parameters,
    mse_gradients,
)
from lstm_chainer.core.loss import window_loss

CASES = [
    # seq_len, support_len, batch, units, layers
    (10, 10, 10, 100, 1),   # the article's workload
    (20, 4, 5, 16, 1),
    (8, 0, 3, 7, 1),        # everything after the first step fed back
    (6, 5, 4, 6, 1),        # support_len = seq_len - 1: all teacher-forced
    (5, 50, 2, 5, 1),       # support_len >= seq_len
    (1, 0, 3, 4, 1),
    (9, 2, 4, 6, 2),
    (7, 0, 2, 5, 3),
    (5, 1, 40, 256, 1),     # batches of 32-128 with 256+ units take the
    (4, 0, 33, 256, 2),     # transposed products
]


def grads(model):
    return [None if p.grad is None else p.grad.copy()
            for p in model_parameters(model)]


def step_path(model, xs, ts, support_len):
    model.cleargrads()
    model.reset_state()
    ys = unroll(model, xs, len(xs), support_len)
    loss = sum(F.mean_squared_error(y, t) for y, t in zip(ys, ts))
    loss.backward()
    return np.stack([y.array for y in ys]), float(loss.array), grads(model)


def fused_path(model, xs, ts, support_len, lossfun=F.mean_squared_error):
    model.cleargrads()
    ys = fused_window(model, xs, support_len)
    loss = window_loss(lossfun, ys, ts)
    loss.backward()
    return ys.array, float(loss.array), grads(model)


@pytest.mark.parametrize('residual', [False, True])
@pytest.mark.parametrize('seq_len,support_len,batch,units,layers', CASES)
def test_fused_matches_step_by_step(seq_len, support_len, batch, units,
                                    layers, residual):
    rng = np.random.RandomState(seq_len * 100 + support_len)
    np.random.seed(1)
    model = Model(3, 3, units, n_layers=layers, residual=residual)
    xs = rng.randn(seq_len, batch, 3).astype(np.float32)
    ts = rng.randn(seq_len, batch, 3).astype(np.float32)
    ys_s, loss_s, grads_s = step_path(model, xs, ts, support_len)
    ys_f, loss_f, grads_f = fused_path(model, xs, ts, support_len)
    np.testing.assert_allclose(ys_f, ys_s, rtol=1e-4, atol=1e-6)
    assert loss_f == pytest.approx(loss_s, rel=1e-5)
    assert_same_grads(model, grads_s, grads_f)


def assert_same_grads(model, grads_s, grads_f):
    """Step-path and fused gradients agree, parameter by parameter."""
    for (name, _), gs, gf in zip(model.namedparams(), grads_s, grads_f):
        if gs is None:  # lateral weights are unused with a single step
            assert gf is None, name
        else:  # float32 sums in another order: relative to the largest
            np.testing.assert_allclose(gf, gs, rtol=1e-4,
                                       atol=1e-5 * np.abs(gs).max(),
                                       err_msg=name)


# Residual models need as many inputs as outputs: no residual case with
# covariates (5 inputs).
ARRAY_CASES = [case + (residual,) for case in [
    (10, 10, 10, 100, 1, 3), (20, 4, 5, 16, 1, 3), (8, 0, 3, 7, 2, 3),
    (9, 2, 4, 6, 1, 5), (1, 0, 3, 4, 1, 3)]
    for residual in (False, True) if not (residual and case[-1] != 3)]


@pytest.mark.parametrize(
    'seq_len,support_len,batch,units,layers,inputs,residual', ARRAY_CASES)
@pytest.mark.parametrize('masked', [False, True])
def test_array_gradients_equal_the_graph_bit_for_bit(
        seq_len, support_len, batch, units, layers, inputs, residual,
        masked):
    # What the updater's fused path computes without a graph: the same
    # loss and gradients as FusedWindow + WindowMSE + Chainer's backward.
    rng = np.random.RandomState(seq_len + 7 * support_len)
    np.random.seed(2)
    model = Model(inputs, 3, units, n_layers=layers, residual=residual)
    xs = rng.randn(seq_len, batch, inputs).astype(np.float32)
    ts = rng.randn(seq_len, batch, 3).astype(np.float32)
    mask = rng.rand(seq_len, batch) < 0.3 if masked else None
    model.cleargrads()
    loss = window_loss(F.mean_squared_error,
                       fused_window(model, xs, support_len, mask), ts)
    loss.backward()
    expected = grads(model)
    value, got = mse_gradients(model, xs, ts, support_len, mask)
    assert value == loss.array
    for k, (e, g) in enumerate(zip(expected, got)):
        if e is None:
            assert g is None, k
        else:
            np.testing.assert_array_equal(g, e, err_msg=str(k))


def test_reused_workspace_gives_the_fresh_gradients():
    # mse_gradients keeps its stored arrays from one window to the next;
    # windows of other shapes in between must not leak into the results.
    np.random.seed(3)
    model = Model(3, 3, 8)
    rng = np.random.RandomState(4)
    windows = [(rng.randn(T, B, 3).astype(np.float32),
                rng.randn(T, B, 3).astype(np.float32), sl)
               for T, B, sl in [(9, 4, 2), (6, 5, 0), (9, 4, 2), (9, 4, 5)]]
    fresh = []
    for xs, ts, sl in windows:
        model.cleargrads()
        loss = window_loss(F.mean_squared_error, fused_window(model, xs, sl),
                           ts)
        loss.backward()
        fresh.append((loss.array, grads(model)))
    for (xs, ts, sl), (loss, expected) in zip(windows, fresh):
        value, got = mse_gradients(model, xs, ts, sl)
        assert value == loss
        for e, g in zip(expected, got):
            if e is None:
                assert g is None
            else:
                np.testing.assert_array_equal(g, e)
    space = fused_module._WORKSPACES.space
    assert not space.busy
    kept = space.arrays[('act', 0)]
    mse_gradients(model, *windows[0])
    assert space.arrays[('act', 0)] is kept  # reused, not reallocated


def test_training_frees_the_workspace_when_it_ends(series):
    model = Model(2, 2, 8)
    optimizer = chainer.optimizers.Adam()
    optimizer.setup(LossFuncL(model))
    it = LSTM_Iterator(series, batch_size=4, seq_len=6, support_len=2)
    trainer = chainer.training.Trainer(
        LSTM_updater(it, optimizer, fused=True), (3, 'iteration'))
    seen = []
    trainer.extend(lambda t: seen.append(
        len(fused_module._WORKSPACES.space.arrays)), trigger=(1, 'iteration'))
    trainer.run()
    assert seen and min(seen) > 0  # kept between updates
    assert fused_module._WORKSPACES.space.arrays == {}  # freed at the end


def test_a_busy_workspace_is_not_shared():
    with fused_module._workspace(np) as outer:
        with fused_module._workspace(np) as inner:
            assert outer is not None and inner is None
    with fused_module._workspace(np) as again:
        assert again is outer


def test_generic_loss_function_is_summed_per_step():
    np.random.seed(0)
    model = Model(2, 2, 5)
    xs = np.random.randn(6, 3, 2).astype(np.float32)
    ts = np.random.randn(6, 3, 2).astype(np.float32)
    _, loss_mse, grads_mse = fused_path(model, xs, ts, 2)
    _, loss_gen, grads_gen = fused_path(
        model, xs, ts, 2, lossfun=lambda y, t: F.mean_squared_error(y, t))
    assert loss_gen == pytest.approx(loss_mse, rel=1e-6)
    for a, b in zip(grads_mse, grads_gen):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize('residual', [False, True])
@pytest.mark.parametrize('support_len,layers', [(0, 1), (1, 1), (9, 1),
                                                (0, 2), (2, 2)])
def test_gradient_check(support_len, layers, residual):
    rng = np.random.RandomState(0)
    n_in, units, seq_len, batch = 2, 3, 4, 2
    shapes = [(units, n_in), (units,)]
    shapes += [(4 * units, units), (4 * units,), (4 * units, units)] * layers
    shapes += [(n_in, units), (n_in,)]
    params = [rng.uniform(-0.8, 0.8, s) for s in shapes]
    xs = rng.uniform(-1, 1, (seq_len, batch, n_in))
    gy = rng.uniform(-1, 1, (seq_len, batch, n_in))

    def f(xs, *params):
        return FusedWindow(support_len, residual=residual).apply(
            (xs,) + params)

    gradient_check.check_backward(
        f, [xs] + params, gy, no_grads=[True] + [False] * len(params),
        eps=1e-6, atol=1e-6, rtol=1e-5, dtype=np.float64)


@pytest.mark.parametrize('residual', [False, True])
@pytest.mark.parametrize('chunk', [4096, 5, 1])
@pytest.mark.parametrize('support_len', [0, 3, 30])
@pytest.mark.parametrize('layers', [1, 2])
def test_forecast_array_matches_unroll(support_len, layers, chunk, residual):
    np.random.seed(2)
    model = Model(2, 2, 8, n_layers=layers, dropout=0.3, residual=residual)
    xs = np.random.randn(12, 4, 2).astype(np.float32)
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        expected = np.stack([y.array for y in unroll(model, xs, 12,
                                                     support_len)])
    got = forecast_array(model, xs[:min(support_len + 1, 12)], 12, support_len,
                         chunk=chunk)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


def make_updater(series, model, fused, seed=0, **kwargs):
    optimizer = chainer.optimizers.Adam()
    optimizer.setup(LossFuncL(model))
    optimizer.add_hook(chainer.optimizer_hooks.GradientClipping(1.0))
    optimizer.add_hook(chainer.optimizer_hooks.WeightDecay(1e-4))
    it = LSTM_Iterator(series, batch_size=5, seq_len=8, support_len=2,
                       seed=seed, **kwargs)
    return LSTM_updater(it, optimizer, fused=fused)


@pytest.mark.parametrize('pred', [1, 3])
def test_updater_paths_train_identically(series, pred):
    models = []
    for fused in (False, True):
        np.random.seed(4)
        model = Model(2, 2, 10)
        updater = make_updater(series, model, fused, pred=pred)
        assert updater.fused is fused
        for _ in range(15):
            updater.update()
        models.append(model)
    for (name, a), (_, b) in zip(models[0].namedparams(),
                                 models[1].namedparams()):
        np.testing.assert_allclose(a.array, b.array, rtol=1e-3, atol=1e-5,
                                   err_msg=name)


class OwnChain(chainer.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.lstm = chainer.links.LSTM(2, 2)

    def reset_state(self):
        self.lstm.reset_state()

    def forward(self, x):
        return self.lstm(x)


def test_automatic_choice_and_fallback(series):
    assert make_updater(series, Model(2, 2, 4), None).fused is True
    assert make_updater(series, Model(2, 2, 4, dropout=0.2), None).fused is False
    assert make_updater(series, OwnChain(), None).fused is False
    updater = make_updater(series, OwnChain(), None)
    updater.update()  # the step-by-step path trains any Chain


@pytest.mark.parametrize('model', [OwnChain(), Model(2, 2, 4, dropout=0.5)])
def test_forcing_the_fused_path_on_an_unsupported_model(series, model):
    with pytest.raises(ValueError, match='fused=True needs a lstm_chainer.Model'):
        make_updater(series, model, True)


def test_feedback_needs_matching_input_and_output(series):
    with pytest.raises(ValueError, match='maps 2 inputs to 3 outputs'):
        make_updater(series, Model(2, 3, 4), None)


class ScaledCall(Model):
    """The article's style: ``__call__`` overridden, not ``forward``."""

    def __call__(self, x):
        return 2 * super().__call__(x)


def test_a_model_overriding_call_runs_its_own_call(series):
    model = ScaledCall(2, 2, 4)
    assert make_updater(series, model, None).fused is False
    xs = np.asarray(series, dtype=np.float32)[:5, None, :]
    plain = Model(2, 2, 4)
    plain.copyparams(model)
    ours = forecast_windows(model, xs, 5, s=4)
    base = forecast_windows(plain, xs, 5, s=4)
    np.testing.assert_allclose(ours, 2 * base, rtol=1e-5, atol=1e-6)
