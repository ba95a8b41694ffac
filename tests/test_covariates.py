"""Covariates: inputs past the outputs, known at every step, fed beside the
fed-back outputs (fused and step paths alike)."""
import chainer
import chainer.functions as F
import numpy as np
import pandas as pd
import pytest
from chainer import gradient_check
from test_fused import assert_same_grads, grads  # noqa: I001

import lstm_chainer as lc
from lstm_chainer import Model, unroll
from lstm_chainer.core.fused import FusedWindow, forecast_array, fused_window
from lstm_chainer.core.loss import window_loss
from lstm_chainer.core.recursion import rollout, rollout_origins


def step_path(model, xs, ts, support_len, mask=None):
    model.cleargrads()
    model.reset_state()
    ys = unroll(model, xs, len(xs), support_len, mask)
    loss = sum(F.mean_squared_error(y, t) for y, t in zip(ys, ts))
    loss.backward()
    return np.stack([y.array for y in ys]), float(loss.array), grads(model)


@pytest.mark.parametrize('masked', [False, True])
@pytest.mark.parametrize('seq_len,support_len,batch,units,layers', [
    (10, 3, 5, 16, 1), (8, 0, 3, 7, 1), (9, 2, 4, 6, 2), (6, 5, 4, 6, 1),
    (5, 1, 40, 256, 1)])
def test_fused_matches_step_by_step(seq_len, support_len, batch, units,
                                    layers, masked):
    rng = np.random.RandomState(seq_len * 100 + support_len)
    np.random.seed(1)
    model = Model(5, 3, units, n_layers=layers)  # 3 targets, 2 covariates
    xs = rng.randn(seq_len, batch, 5).astype(np.float32)
    ts = rng.randn(seq_len, batch, 3).astype(np.float32)
    mask = rng.rand(seq_len, batch) < 0.3 if masked else None
    ys_s, loss_s, grads_s = step_path(model, xs, ts, support_len, mask)
    model.cleargrads()
    ys = fused_window(model, xs, support_len, mask)
    loss = window_loss(F.mean_squared_error, ys, ts)
    loss.backward()
    np.testing.assert_allclose(ys.array, ys_s, rtol=1e-4, atol=1e-6)
    assert float(loss.array) == pytest.approx(loss_s, rel=1e-5)
    assert_same_grads(model, grads_s, grads(model))


def test_the_covariates_change_the_forecast():
    np.random.seed(0)
    model = Model(3, 2, 8)
    xs = np.random.randn(6, 2, 3).astype(np.float32)
    other = xs.copy()
    other[4:, :, 2] += 1  # only covariates of fed-back steps differ
    with chainer.no_backprop_mode():
        a = rollout(model, xs, 6, 1)
        b = rollout(model, other, 6, 1)
    np.testing.assert_array_equal(a[:4], b[:4])
    assert not np.allclose(a[4:], b[4:])


@pytest.mark.parametrize('support_len,layers', [(0, 1), (2, 1), (1, 2)])
def test_gradient_check(support_len, layers):
    rng = np.random.RandomState(0)
    n_in, n_out, units, seq_len, batch = 3, 2, 3, 4, 2
    shapes = [(units, n_in), (units,)]
    shapes += [(4 * units, units), (4 * units,), (4 * units, units)] * layers
    shapes += [(n_out, units), (n_out,)]
    params = [rng.uniform(-0.8, 0.8, s) for s in shapes]
    xs = rng.uniform(-1, 1, (seq_len, batch, n_in))
    gy = rng.uniform(-1, 1, (seq_len, batch, n_out))

    def f(xs, *params):
        return FusedWindow(support_len).apply((xs,) + params)

    gradient_check.check_backward(
        f, [xs] + params, gy, no_grads=[True] + [False] * len(params),
        eps=1e-6, atol=1e-6, rtol=1e-5, dtype=np.float64)


def test_forecasts_from_origins_and_windows_agree():
    np.random.seed(3)
    model = Model(4, 2, 8, n_layers=2)
    series = np.random.randn(40, 4).astype(np.float32)
    origins = [9, 17, 30]
    with chainer.no_backprop_mode():
        warm = rollout_origins(model, series, origins, 5)
        expected = np.stack([
            forecast_array(model, series[:o + 5, None], o + 5, o)[o:, 0]
            for o in origins], axis=1)
        step = []
        for o in origins:
            model.reset_state()
            step.append(np.stack([y.array for y in unroll(
                model, series[:o + 5, None], o + 5, o)])[o:, 0])
        step = np.stack(step, axis=1)
    np.testing.assert_allclose(warm, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(warm, step, rtol=1e-4, atol=1e-6)


def test_inputs_for_every_step_are_needed():
    model = Model(3, 2, 4)
    with pytest.raises(ValueError, match=r'reads 1 covariate\(s\) at every '
                       'step: give inputs for all 6 steps, got 2'):
        rollout(model, np.zeros((2, 1, 3), np.float32), 6, 1)
    with pytest.raises(ValueError, match='n_input >= n_output'):
        rollout(Model(2, 3, 4), np.zeros((6, 1, 2), np.float32), 6, 1)


def calendar_frame(n=240):
    t = np.arange(n)
    month = t % 12
    return pd.DataFrame({
        'sales': 10 + 3 * np.sin(2 * np.pi * month / 12)
        + 0.1 * np.random.RandomState(0).randn(n),
        'month_sin': np.sin(2 * np.pi * month / 12),
        'month_cos': np.cos(2 * np.pi * month / 12)})


def test_training_validation_and_backtest_with_covariates(tmp_path):
    frame = calendar_frame()
    train, test = frame.iloc[:180], frame.iloc[180:]
    trainer = lc.get_trainer(train, 16, seq_len=12, support_len=3, epoch=3,
                             test=test, covariates=2, seed=0, progress=False,
                             print_report=False, out=str(tmp_path / 'r'))
    trainer.run()
    model = trainer.updater.predictor
    assert (model.n_input, model.n_output) == (3, 1)
    log = trainer.get_extension('LogReport').log
    assert np.isfinite(log[-1]['validation/main/loss'])
    table = lc.valid(model, lc.LSTM_Iterator(test, seq_len=6, repeat=False,
                                             n_targets=1))
    assert list(table.columns) == ['sales', 'Total']
    forecast, truth = lc.pred(model, frame.iloc[:40], 30, s=9)
    assert list(forecast.columns) == ['sales'] and len(forecast) == 30
    with pytest.raises(ValueError, match='a model with covariates needs 30 '
                       'rows of data as inputs, data has 20'):
        lc.pred(model, frame.iloc[:20], 30, s=9)
    result = lc.backtest(model, frame, 6, start=179, context=12, season=12)
    assert result.columns == ['sales']
    assert result.forecasts['model'].shape == (6, 240 - 6 - 179, 1)
    with pytest.raises(ValueError, match='must leave a target'):
        lc.get_trainer(train, 4, covariates=3, out=str(tmp_path / 'x'))
