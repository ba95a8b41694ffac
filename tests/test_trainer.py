import json
import os

import chainer
import numpy as np
import pytest

import lstm_chainer as lc
from lstm_chainer import get_trainer, latest_snapshot


def train(series, out, epoch, **kwargs):
    args = dict(n_units=8, batch_size=4, seq_len=6, support_len=2, snap=100,
                seed=3, test=series.iloc[50:], progress=False)
    args.update(kwargs)
    trainer = get_trainer(series.iloc[:50], out=str(out), epoch=epoch, **args)
    trainer.run()
    return trainer


def params(trainer):
    return {name: p.array.copy()
            for name, p in trainer.updater.predictor.namedparams()}


def log(out):
    with open(os.path.join(str(out), 'log')) as f:
        return json.load(f)


def test_logs_plots_and_snapshots(series, tmp_path):
    trainer = train(series, tmp_path, epoch=4, snap=3)
    entries = log(tmp_path)
    assert [e['epoch'] for e in entries] == [1, 2, 3, 4]
    for key in ('main/loss', 'validation/main/loss', 'validation/main/rmse'):
        assert all(np.isfinite(e[key]) for e in entries)
    assert entries[-1]['validation/main/rmse'] == pytest.approx(
        entries[-1]['validation/main/loss'] ** 0.5)
    assert os.path.getsize(tmp_path / 'loss.png') > 0
    assert sorted(f for f in os.listdir(tmp_path) if 'snapshot' in f) == [
        'snapshot_epoch_3', 'snapshot_epoch_4']
    assert latest_snapshot(str(tmp_path)).endswith('snapshot_epoch_4')
    assert trainer.updater.iteration == 4 * 50 // 4


def test_the_log_and_the_plot_are_written_seldom_but_complete(
        series, tmp_path, monkeypatch):
    # LogReport would rewrite the whole log every epoch (quadratic in the
    # epochs) and the plot was redrawn ten times a run: on a short series
    # both cost more than the training.
    from lstm_chainer.training import extensions, snapshots
    dumps, draws = [], []
    real_dump, real_draw = json.dump, extensions.LossPlot._draw
    monkeypatch.setattr(snapshots.json, 'dump', lambda log, f, **kw: (
        dumps.append(len(log)), real_dump(log, f, **kw)))
    monkeypatch.setattr(extensions.LossPlot, '_draw', lambda self, t, log: (
        draws.append(len(log)), real_draw(self, t, log)))
    train(series, tmp_path, epoch=30)
    assert dumps == [1, 30] and draws == [30]
    assert [e['epoch'] for e in log(tmp_path)] == list(range(1, 31))
    dumps.clear()
    train(series, tmp_path / 'early', epoch=30, early_stopping=1)
    stopped = len(log(tmp_path / 'early'))
    assert stopped < 30 and dumps == [1, stopped]  # written as it stopped


def test_a_finished_run_is_not_trained_again(series, tmp_path):
    first = params(train(series, tmp_path, epoch=2))
    again = train(series, tmp_path, epoch=2)
    assert again.updater.iteration == 2 * 50 // 4
    for name, value in params(again).items():
        np.testing.assert_array_equal(value, first[name])


def test_same_seed_same_run(series, tmp_path):
    a = params(train(series, tmp_path / 'a', epoch=2))
    b = params(train(series, tmp_path / 'b', epoch=2))
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


def test_seed_leaves_the_global_random_stream_alone(series, tmp_path):
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    get_trainer(series, 4, out=str(tmp_path), seed=0)
    assert np.random.rand() == expected


def file_bytes(path):
    with open(path, 'rb') as f:
        return f.read()


def test_incompatible_snapshot_is_a_clear_error_and_is_kept(series, tmp_path):
    train(series, tmp_path, epoch=1)
    snapshot = tmp_path / 'snapshot_epoch_1'
    before = file_bytes(snapshot)
    with pytest.raises(ValueError, match='cannot resume from .*snapshot_epoch_1'):
        get_trainer(series, 16, out=str(tmp_path))
    assert file_bytes(snapshot) == before


def test_truncated_snapshot_is_a_clear_error_and_is_kept(series, tmp_path):
    train(series, tmp_path, epoch=1)
    snapshot = tmp_path / 'snapshot_epoch_1'
    data = file_bytes(snapshot)[:200]
    snapshot.write_bytes(data)
    with pytest.raises(ValueError, match='unreadable or was written for'):
        train(series, tmp_path, epoch=2)
    assert file_bytes(snapshot) == data


def test_model_is_on_the_requested_device(series, tmp_path):
    trainer = get_trainer(series, 4, device='@numpy', out=str(tmp_path))
    assert trainer.updater.predictor.device == chainer.get_device('@numpy')


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(support_len=lc.schedules.Curriculum(5, 0, epochs=4)),
    dict(support_len=lc.schedules.ScheduledSampling(0, 'linear', k=40)),
    dict(dropout=0.3, n_layers=2),
    dict(grad_clip=1.0, weight_decay=1e-4, early_stopping=10),
])
def test_resume_is_exact(series, tmp_path, kwargs):
    straight = train(series, tmp_path / 'a', epoch=6, **kwargs)
    train(series, tmp_path / 'b', epoch=3, **kwargs)
    resumed = train(series, tmp_path / 'b', epoch=6, **kwargs)
    assert resumed.updater.iteration == straight.updater.iteration
    a, b = params(straight), params(resumed)
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-6, atol=1e-7)
    losses = [[e['main/loss'] for e in log(tmp_path / d)] for d in 'ab']
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-6)


def test_dropout_run_repeats_exactly(series, tmp_path):
    a = train(series, tmp_path / 'a', epoch=2, dropout=0.5)
    train(series, tmp_path / 'b', epoch=2, dropout=0.5)
    assert not a.updater.fused
    assert [e['main/loss'] for e in log(tmp_path / 'a')] == \
        [e['main/loss'] for e in log(tmp_path / 'b')]


def test_early_stopping_stops_and_keeps_the_best_model(series, tmp_path):
    optimizer = chainer.optimizers.SGD(lr=0.0)  # nothing ever improves
    trainer = train(series, tmp_path, epoch=50, early_stopping=3,
                    optimizer=optimizer)
    assert trainer.updater.epoch == 4  # the first epoch, then 3 without gain
    model = lc.Model(2, 2, 8)
    chainer.serializers.load_npz(str(tmp_path / 'best_model.npz'), model)
    for a, b in zip(model.params(), trainer.updater.predictor.params()):
        np.testing.assert_array_equal(a.array, b.array)


def test_optimizer_hooks(series, tmp_path):
    trainer = get_trainer(series, 4, out=str(tmp_path), grad_clip=2.0,
                          weight_decay=1e-3)
    hooks = trainer.updater.get_optimizer('main')._hookable._pre_update_hooks
    assert {'GradientClipping', 'WeightDecay'} <= set(hooks)
    with pytest.raises(ValueError, match='grad_clip must be > 0, got -1'):
        get_trainer(series, 4, out=str(tmp_path), grad_clip=-1)
    with pytest.raises(ValueError, match='early_stopping needs test data'):
        get_trainer(series, 4, out=str(tmp_path), early_stopping=3)


def test_snapshot_listing_tells_ranks_apart(tmp_path):
    from lstm_chainer.training.snapshots import snapshot_epochs
    for name in ('snapshot_epoch_2', 'snapshot_epoch_10', 'snapshot_epoch_3.0',
                 'snapshot_epoch_3.1', 'snapshot_epoch_5.1', 'snapshot_epoch_x',
                 '.snapshot_epoch_7.tmp'):
        (tmp_path / name).write_bytes(b'')
    assert sorted(snapshot_epochs(str(tmp_path))) == [2, 10]
    assert sorted(snapshot_epochs(str(tmp_path), rank=1)) == [3, 5]
    assert latest_snapshot(str(tmp_path)).endswith('snapshot_epoch_10')
