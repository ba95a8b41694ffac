"""The shared pieces: saved-model record, rollout path choice, process
group, file helpers."""
import base64
import json
import os
import shutil

import chainer
import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
import lstm_chainer.core.fused
from lstm_chainer._io import atomic_write
from lstm_chainer.core.recursion import rollout, use_fused
from lstm_chainer.forecasting import saved
from lstm_chainer.training import distributed

DATA = os.path.join(os.path.dirname(__file__), 'data')


def saved_by_old_version(tmp_path, name):
    """A model directory as an older lstm_chainer wrote it: its model.json
    as saved, and its model.npz rebuilt from the arrays kept as text in
    ``tests/data/<name>/model_arrays.json`` (same keys, dtypes, bytes)."""
    directory = tmp_path / name
    directory.mkdir()
    shutil.copy(os.path.join(DATA, name, 'model.json'), directory)
    with open(os.path.join(DATA, name, 'model_arrays.json')) as f:
        arrays = {key: np.frombuffer(base64.b64decode(a['base64']),
                                     dtype=a['dtype']).reshape(a['shape'])
                  for key, a in json.load(f).items()}
    np.savez_compressed(directory / 'model.npz', **arrays)
    return str(directory)


@pytest.fixture
def model_v1(tmp_path):
    return saved_by_old_version(tmp_path, 'model_v1')


def fixture_frame():
    t = np.arange(40.)
    return pd.DataFrame({'a': np.sin(t / 3), 'b': 10 + np.cos(t / 5)})


def test_model_saved_by_format_1_still_loads(model_v1):
    forecaster = lc.load_model(model_v1)
    assert forecaster.columns == ['a', 'b']
    assert forecaster.record.seq_len == 8
    assert forecaster.record.data.test_rows == 10
    future = lc.forecast(forecaster, fixture_frame(), 3)
    # Values the model gave when it was saved (0.1.0).
    np.testing.assert_allclose(
        future.to_numpy(), [[0.077548, 10.162833], [0.078667, 10.133717],
                            [0.079399, 10.109673]], rtol=1e-4)


def test_model_saved_by_format_2_still_loads(tmp_path):
    # Two members, 'b' differenced (0.2.0).
    forecaster = lc.load_model(saved_by_old_version(tmp_path, 'model_v2'))
    assert len(forecaster.members) == 2
    assert forecaster.transformer.names == ['none', 'diff']
    t = np.arange(40.)
    frame = pd.DataFrame({'a': np.sin(t / 3), 'b': 10 + 0.5 * t
                          + np.cos(t / 5)})
    future = lc.forecast(forecaster, frame, 3, context=8)
    np.testing.assert_allclose(
        future.to_numpy(), [[0.039547, 30.047467], [0.090026, 30.553946],
                            [0.045477, 31.050074]], rtol=1e-4)


def test_saved_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(str(tmp_path / 'f'), lambda p: open(p, 'w').close())
    finally:
        os.umask(old)
    assert os.stat(tmp_path / 'f').st_mode & 0o777 == 0o644


def _edited(tmp_path, edit):
    directory = tmp_path / 'm'
    shutil.copytree(saved_by_old_version(tmp_path, 'model_v1'), directory)
    path = directory / 'model.json'
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))
    return str(directory)


def test_newer_format_is_refused_with_the_version(tmp_path):
    directory = _edited(tmp_path, lambda d: d.update(format=99))
    with pytest.raises(ValueError, match='newer lstm_chainer.*format 99.*'
                       'upgrade'):
        lc.load_model(directory)


@pytest.mark.parametrize('edit', [
    lambda d: d.pop('format'),
    lambda d: d['model'].pop('n_units'),
    lambda d: d['scaler'].update(mean=[0.0]),
    lambda d: d.update(columns=['a']),
])
def test_broken_record_names_the_file(tmp_path, edit):
    directory = _edited(tmp_path, edit)
    with pytest.raises(ValueError, match='model.json is corrupted'):
        lc.load_model(directory)


def test_unknown_keys_are_kept(tmp_path):
    directory = _edited(tmp_path, lambda d: d.update(note='hi'))
    assert lc.load_model(directory).meta['note'] == 'hi'


def test_model_config_round_trip():
    model = lc.Model(3, 3, 7, n_layers=2, dropout=0.1, residual=True)
    again = lc.Model.from_config(json.loads(json.dumps(model.config())))
    assert again.config() == model.config()


class SameForward(lc.Model):
    pass


class OwnForward(lc.Model):
    def forward(self, x):
        return super().forward(x) * 2


def test_path_choice():
    assert use_fused(SameForward(2, 2, 4), None, training=True)
    assert not use_fused(OwnForward(2, 2, 4), None, training=True)
    assert not use_fused(lc.Model(2, 2, 4, dropout=0.5), None, training=True)
    assert use_fused(lc.Model(2, 2, 4, dropout=0.5), None, training=False)
    with pytest.raises(ValueError, match='fused=True needs.*OwnForward'):
        use_fused(OwnForward(2, 2, 4), True, training=False)


@pytest.mark.parametrize('fused', [False, True])
def test_rollout_paths_agree_and_check_width(fused):
    np.random.seed(1)
    model = lc.Model(2, 2, 5)
    xs = np.random.randn(6, 3, 2).astype(np.float32)
    with chainer.no_backprop_mode():
        ys = rollout(model, xs, 6, 2, fused=fused)
        expected = rollout(model, xs, 6, 2, fused=not fused)
    np.testing.assert_allclose(ys, expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match='takes 2 variable.*data has 3'):
        rollout(model, np.zeros((6, 3, 3), np.float32), 6, 2, fused=fused)


def test_fused_node_checks_its_input_shapes():
    model = lc.Model(2, 2, 4)
    with pytest.raises(chainer.utils.type_check.InvalidType):
        lstm_chainer.core.fused.fused_window(model, np.zeros((3, 2, 5), np.float32), 1)


def test_local_group_answers():
    group = distributed.process_group()
    assert group.is_root and group.comm is None
    assert group.window_seed(3) == 3 and group.updater_seed(3) == 4
    assert group.validation_shard() is None


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    path = tmp_path / 'f.txt'
    path.write_text('old')

    def fail(tmp):
        with open(tmp, 'w') as f:
            f.write('half')
        raise OSError('disk full')
    with pytest.raises(OSError):
        atomic_write(str(path), fail)
    assert path.read_text() == 'old'
    assert os.listdir(tmp_path) == ['f.txt']


def test_saved_model_owns_the_keys(model_v1):
    record = saved.SavedModel.read(model_v1)
    doc = record.to_json()
    assert set(saved.SavedModel.keys()) <= set(doc)
    assert doc['format'] == saved.FORMAT


def test_record_sections_are_typed_and_round_trip(tmp_path):
    model = lc.Model(2, 2, 3)
    forecaster = lc.Forecaster(model, lc.Scaler([0.0, 0.0], [1.0, 1.0],
                                                ['a', 'b']))
    lc.save_model(str(tmp_path), forecaster, training={'seed': 4},
                  backtest={'horizon': 3, 'context': 8},
                  refit={'dir': 'refit', 'rows': 50})
    record = lc.load_model(str(tmp_path)).record
    assert isinstance(record.training, saved.TrainingRecord)
    assert record.training.seed == 4 and record.training['seed'] == 4
    assert (record.backtest.horizon, record.backtest.get('stride', 1)) == (3, 1)
    assert record.refit == saved.RefitRecord('refit', 50)
    doc = json.loads((tmp_path / 'model.json').read_text())
    assert doc['refit'] == {'dir': 'refit', 'rows': 50}
    doc['training']['speed'] = 'fast'
    (tmp_path / 'model.json').write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="corrupted.*speed"):
        lc.load_model(str(tmp_path))


@pytest.mark.parametrize('combination, message', [
    ({'bogus': 1.0}, "'bogus' is not a partner"),
    ({'regression': 1.0}, 'regresses on covariates the model does not '
                          'have'),
])
def test_a_combination_of_unknown_partners_is_refused_on_load(
        tmp_path, combination, message):
    directory = saved_by_old_version(tmp_path, 'model_v2')
    path = os.path.join(directory, 'model.json')
    with open(path) as f:
        doc = json.load(f)
    doc['combination'] = combination
    with open(path, 'w') as f:
        json.dump(doc, f)
    with pytest.raises(ValueError, match='model.json is corrupted or not a '
                       'model description .*' + message):
        lc.load_model(directory)
