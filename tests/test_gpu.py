"""GPU behaviour; every test here is marked gpu and skips without a GPU."""
import json
import os

import chainer
import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.core.fused import fused_window
from lstm_chainer.core.loss import window_loss

pytestmark = pytest.mark.gpu
GPU = '@cupy:0'


def train_log(series, out, device, **kwargs):
    args = dict(n_units=16, batch_size=8, seq_len=10, support_len=3, epoch=3,
                snap=100, seed=0, test=series.iloc[60:], progress=False,
                print_report=False)
    args.update(kwargs)
    trainer = lc.get_trainer(series.iloc[:60], out=str(out), device=device,
                             **args)
    trainer.run()
    with open(os.path.join(str(out), 'log')) as f:
        return trainer, json.load(f)


@pytest.mark.parametrize('fused', [True, False])
def test_training_on_gpu_matches_cpu(series, tmp_path, fused):
    _, cpu = train_log(series, tmp_path / 'cpu', '@numpy', fused=fused)
    trainer, gpu = train_log(series, tmp_path / 'gpu', GPU, fused=fused)
    assert trainer.updater.predictor.device == chainer.get_device(GPU)
    for key in ('main/loss', 'validation/main/loss'):
        np.testing.assert_allclose([e[key] for e in gpu],
                                   [e[key] for e in cpu], rtol=1e-3)


def test_fused_gradients_on_gpu_match_cpu():
    np.random.seed(0)
    model = lc.Model(2, 2, 32, n_layers=2)
    xs = np.random.randn(12, 5, 2).astype(np.float32)
    ts = np.random.randn(12, 5, 2).astype(np.float32)
    mask = np.random.rand(12, 5) < 0.3
    grads = []
    for device in ('@numpy', GPU):
        device = chainer.get_device(device)
        model.to_device(device)
        model.cleargrads()
        loss = window_loss(chainer.functions.mean_squared_error,
                           fused_window(model, device.send(xs), 2,
                                        device.send(mask)),
                           device.send(ts))
        loss.backward()
        grads.append([chainer.backend.CpuDevice().send(p.grad)
                      for p in model.params()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(b, a, rtol=1e-3, atol=1e-5)


def test_valid_pred_forecast_return_cpu_pandas(series):
    np.random.seed(0)
    model = lc.Model(2, 2, 8)
    model.to_device(GPU)
    table = lc.valid(model, lc.LSTM_Iterator(series, seq_len=5, repeat=False))
    forecast, truth = lc.pred(model, series, 20, s=3)
    future = lc.forecast(model, series, 5)
    for frame in (table, forecast, truth, future):
        assert isinstance(frame, pd.DataFrame)
        # Plain floats: CuPy values would make an object column.
        assert frame.to_numpy().dtype.kind == 'f', frame.dtypes
    model.to_device('@numpy')
    np.testing.assert_allclose(
        lc.pred(model, series, 20, s=3)[0].to_numpy(), forecast.to_numpy(),
        rtol=1e-4, atol=1e-6)


def test_snapshots_move_between_gpu_and_cpu(series, tmp_path):
    straight, _ = train_log(series, tmp_path / 'a', '@numpy', epoch=4)
    train_log(series, tmp_path / 'b', GPU, epoch=2)            # GPU writes
    train_log(series, tmp_path / 'b', '@numpy', epoch=3)       # CPU resumes
    resumed, _ = train_log(series, tmp_path / 'b', GPU, epoch=4)  # and back
    for a, b in zip(straight.updater.predictor.params(),
                    resumed.updater.predictor.params()):
        np.testing.assert_allclose(chainer.backend.CpuDevice().send(b.array),
                                   a.array, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize('context', [None, 12])
def test_backtest_of_a_transformed_ensemble_on_gpu_matches_cpu(context):
    np.random.seed(0)
    t = np.arange(200, dtype=np.float64)
    frame = pd.DataFrame({'up': 50 + 0.3 * t + np.sin(t / 2),
                          'wave': np.cos(t / 5)})
    transformer = lc.Transformer(['diff', 'none'], columns=['up', 'wave'])
    forecaster = lc.Forecaster(
        [lc.Model(2, 2, 16) for _ in range(2)],
        lc.Scaler.fit(transformer.forward(frame.to_numpy())[1:150]),
        transformer=transformer)
    cpu = lc.backtest(forecaster, frame, 6, start=149, context=context)
    forecaster.to_device(GPU)
    gpu = lc.backtest(forecaster, frame, 6, start=149, context=context)
    np.testing.assert_allclose(gpu.forecasts['model'], cpu.forecasts['model'],
                               rtol=1e-4, atol=1e-4)
    future = lc.forecast(forecaster, frame, 5, context=context)
    assert isinstance(future, pd.DataFrame) and future.notna().all().all()


def test_covariates_on_gpu_match_cpu():
    np.random.seed(1)
    index = pd.date_range('2010-01-01', periods=120, freq='MS')
    t = np.arange(120, dtype=np.float64)
    frame = pd.DataFrame({'y': 10 + 0.2 * t + np.sin(t / 2)}, index=index)
    transformer = lc.Transformer(['diff'], columns=['y'])
    z = transformer.forward(frame.to_numpy())[1:90]
    calendar = lc.calendar_features.features(index[1:90], ['month'])
    scaler = lc.Scaler.fit(np.concatenate([z, calendar.to_numpy()], axis=1))
    forecaster = lc.Forecaster([lc.Model(3, 1, 16)], scaler,
                               transformer=transformer, calendar=['month'])
    cpu = lc.backtest(forecaster, frame, 5, start=89)
    future_cpu = lc.forecast(forecaster, frame, 4)
    forecaster.to_device(GPU)
    gpu = lc.backtest(forecaster, frame, 5, start=89)
    np.testing.assert_allclose(gpu.forecasts['model'], cpu.forecasts['model'],
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(lc.forecast(forecaster, frame, 4), future_cpu,
                               rtol=1e-4, atol=1e-4)
