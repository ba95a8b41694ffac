"""The file system, odd CSVs, numeric range and concurrent runs: every
failure is one line and exit status 2, and nothing is silently wrong."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.cli import main

FAST = ['--epochs', '1', '--n-units', '8', '--ensemble', '1', '--seq-len',
        '6', '--horizon', '3']


def daily(n=120, **extra):
    t = np.arange(n)
    frame = pd.DataFrame({
        'date': pd.date_range('2024-01-01', periods=n, freq='D')
        .strftime('%Y-%m-%d'),
        'a': 10 + np.sin(t / 4), 'b': 5 + 0.1 * t})
    for name, values in extra.items():
        frame[name] = values
    return frame


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp('rel')
    path = root / 'data.csv'
    daily().to_csv(path, index=False)
    out = root / 'model'
    assert main(['train', str(path), '--out', str(out), '--time-column',
                 'date'] + FAST + ['--quiet']) == 0
    return str(path), str(out)


@pytest.fixture
def model(trained, tmp_path):
    path, out = trained
    copy = tmp_path / 'model'
    shutil.copytree(out, copy)
    return path, str(copy)


def digest(directory):
    result = {}
    for root, _, names in os.walk(directory):
        for name in names:
            with open(os.path.join(root, name), 'rb') as f:
                result[os.path.relpath(os.path.join(root, name),
                                       directory)] = f.read()
    return result


def one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'Traceback' not in err, err
    for needle in needles:
        assert needle in err, err
    return err


# 1. The file system.

def test_out_that_is_a_file_or_empty(model, tmp_path, capsys):
    path, _ = model
    existing = tmp_path / 'file'
    existing.write_text('keep')
    assert main(['train', path, '--out', str(existing)] + FAST) == 2
    one_line_error(capsys, 'exists and is not a directory')
    assert existing.read_text() == 'keep'
    assert main(['train', path, '--out', ''] + FAST) == 2
    one_line_error(capsys, 'empty name')
    assert main(['train', path, '--out', '/proc/lstm-chainer-x'] + FAST) == 2
    one_line_error(capsys, 'cannot write into /proc/lstm-chainer-x')


def test_a_full_disk_while_saving_is_one_line(model, monkeypatch, capsys):
    path, out = model
    before = digest(out)

    def full(*args, **kwargs):
        raise OSError(28, 'No space left on device', 'model.npz')
    monkeypatch.setattr('chainer.serializers.save_npz', full)
    assert main(['train', path, '--out', out, '--time-column', 'date']
                + FAST) == 2
    one_line_error(capsys, 'model.npz: No space left on device')
    assert digest(out) == before


def test_valid_on_a_full_disk_writes_nothing(model, monkeypatch, capsys):
    _, out = model
    before = digest(out)

    def full(*args, **kwargs):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr('matplotlib.figure.Figure.savefig', full)
    assert main(['valid', out]) == 2
    one_line_error(capsys, 'No space left on device')
    assert digest(out) == before  # not even valid.csv


# 2. Corrupt files.

def test_garbled_compressed_model_is_one_line(model, capsys):
    _, out = model
    path = os.path.join(out, 'model.npz')
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    with open(path, 'wb') as f:
        f.write(bytes(data))
    assert main(['pred', out, '--steps', '2']) == 2
    one_line_error(capsys, 'model.npz is truncated or corrupted')


# 3. CSVs that used to be read wrong without a word.

@pytest.mark.parametrize('edit,message', [
    (lambda f: f.__setitem__('a', f['a'].astype(object).where(
        f.index != 5, '-')), "column 'a' is not numeric (row 7: '-'); fix "
     'the cell, pass --fill interpolate'),
    (lambda f: f.__setitem__('a', ['{:,.0f}'.format(v * 1000)
                                   for v in f['a']]),
     '--thousands ,'),
])
def test_numbers_as_text_are_refused(tmp_path, capsys, edit, message):
    frame = daily()
    edit(frame)
    path = tmp_path / 'd.csv'
    frame.to_csv(path, index=False)
    assert main(['train', str(path), '--out', str(tmp_path / 'm'),
                 '--time-column', 'date'] + FAST) == 2
    one_line_error(capsys, message)
    assert not os.path.exists(tmp_path / 'm')


def test_thousands_and_fill_get_through(tmp_path):
    frame = daily()
    frame['a'] = ['{:,.1f}'.format(v * 1000) for v in frame['a']]
    path = tmp_path / 'd.csv'
    frame.to_csv(path, index=False)
    data = lc.load_csv(str(path), time_column='date', thousands=',')
    assert data['a'].iloc[0] == pytest.approx(10000.0, abs=0.1)
    frame = daily()
    frame['a'] = frame['a'].astype(object)
    frame.loc[5, 'a'] = '-'
    frame.to_csv(path, index=False)
    data = lc.load_csv(str(path), time_column='date', fill='interpolate')
    assert data['a'].notna().all()
    assert 'filled 1 empty or non-numeric cell' in data.attrs['notes'][-1]


def write(tmp_path, text):
    path = tmp_path / 'x.csv'
    path.write_text(text)
    return str(path)


def test_dates_day_first(tmp_path):
    ambiguous = write(tmp_path, 'date,v\n01/02/2018,1\n02/02/2018,2\n'
                      '03/02/2018,3\n')
    with pytest.raises(ValueError, match='both month first and day first.*'
                       '--dayfirst or --monthfirst'):
        lc.load_csv(ambiguous, time_column='date')
    data = lc.load_csv(ambiguous, time_column='date', dayfirst=True)
    assert data.index[0] == pd.Timestamp('2018-02-01')
    clear = write(tmp_path, 'date,v\n12/01/2018,1\n13/01/2018,2\n'
                  '14/01/2018,3\n')
    data = lc.load_csv(clear, time_column='date')
    assert list(data.index.day) == [12, 13, 14]
    assert 'day first' in data.attrs['notes'][0]


def test_unix_times_and_plain_counters(tmp_path):
    seconds = write(tmp_path, 't,v\n1700000000,1\n1700003600,2\n'
                    '1700007200,3\n')
    data = lc.load_csv(seconds, time_column='t')
    assert data.index[0] == pd.Timestamp('2023-11-14 22:13:20')
    assert 'Unix times in s' in data.attrs['notes'][0]
    counter = write(tmp_path, 't,v\n1,1\n2,2\n3,3\n')
    with pytest.raises(ValueError, match=r"'t' holds plain numbers \(1 .. 3\)"
                       '.*--time-unit'):
        lc.load_csv(counter, time_column='t')


def test_header_problems(tmp_path):
    with pytest.raises(ValueError, match="the column name 'a' appears twice "
                       r'\(columns 1 and 2\)'):
        lc.load_csv(write(tmp_path, 'a,a\n1,2\n3,4\n'))
    data = lc.load_csv(write(tmp_path, ',a,b\n0,1,2\n1,3,4\n2,5,6\n'))
    assert list(data.columns) == ['a', 'b']
    assert 'an index written by pandas' in data.attrs['notes'][0]
    data = lc.load_csv(write(tmp_path, 'a,b,\n1,2,\n3,4,\n'))
    assert list(data.columns) == ['a', 'b']
    assert 'trailing separator' in data.attrs['notes'][0]
    data = lc.load_csv(write(tmp_path, 'a;b\n1.5;2\n3;4\n'))
    assert list(data.columns) == ['a', 'b'] and data['a'].iloc[0] == 1.5
    data = lc.load_csv(write(tmp_path, 'a;b;label\n1;2;x\n3;4;y\n'))
    assert list(data.columns) == ['a', 'b']
    assert "skipped the text column(s) 'label'" in data.attrs['notes'][0]


# 4. Numeric range.

def test_values_too_large_to_standardise(tmp_path, capsys):
    frame = daily()
    frame['a'] = frame['a'] * 1e300
    path = tmp_path / 'd.csv'
    frame.to_csv(path, index=False)
    assert main(['train', str(path), '--out', str(tmp_path / 'm'),
                 '--time-column', 'date', '--transform', 'none'] + FAST) == 2
    one_line_error(capsys, "column(s) 'a' hold values too large")


def test_large_offsets_keep_their_small_changes(tmp_path):
    t = np.arange(120.0)
    frame = pd.DataFrame({'x': 1e8 + 10 * np.sin(t / 3)})
    forecaster, _ = lc.fit_forecaster(
        frame.iloc[:90], 8, epoch=1, seq_len=6, support_len=2, seed=0,
        progress=False, print_report=False, out=str(tmp_path / 'm'))
    result = lc.backtest(forecaster, frame, 3, start=89)
    changes = np.diff(result.forecasts['model'][:, :, 0], axis=1).ravel()
    # float32 data units would move in steps of 8.
    assert (np.abs(changes) % 8 > 1e-3).mean() > 0.5
    persistence = result.metrics.loc[('naive', 1, 'x'), 'MAE']
    # Origins 89 .. 116: the last has 3 rows after it.
    expected = np.abs(np.diff(frame['x'].to_numpy()[89:118])).mean()
    assert persistence == pytest.approx(expected, rel=1e-9)


# 5. Size limits.

def test_too_many_steps_is_refused_first(model, capsys):
    _, out = model
    before = digest(out)
    assert main(['pred', out, '--steps', '2000000']) == 2
    one_line_error(capsys, '--steps 2000000 is more than 1,000,000')
    assert digest(out) == before


def test_wide_data_plots_ten_variables(tmp_path, capsys):
    t = np.arange(80)
    frame = pd.DataFrame({'v{}'.format(k): np.sin(t / (k + 2))
                          for k in range(12)})
    path = tmp_path / 'wide.csv'
    frame.to_csv(path, index=False)
    out = str(tmp_path / 'm')
    assert main(['train', str(path), '--out', out, '--quiet'] + FAST) == 0
    capsys.readouterr()
    assert main(['pred', out, '--steps', '3']) == 0
    assert 'shows the first 10 of 12 variables' in capsys.readouterr().out
    written = pd.read_csv(os.path.join(out, 'forecast.csv'), index_col=0)
    assert list(written.columns[:12]) == list(frame.columns)


# 6. Concurrent and repeated runs.

def test_a_second_command_on_a_busy_directory(model, capsys):
    path, out = model
    sleeper = subprocess.Popen([sys.executable, '-c',
                                'import time; time.sleep(30)'])
    try:
        with open(os.path.join(out, '.lstm-chainer.lock'), 'w') as f:
            f.write(str(sleeper.pid))
        before = digest(out)
        assert main(['train', path, '--out', out, '--time-column', 'date']
                    + FAST) == 2
        one_line_error(capsys, 'is in use by another lstm-chainer command '
                       '(pid {})'.format(sleeper.pid))
        assert digest(out) == before
    finally:
        sleeper.kill()
        sleeper.wait()
    # Its owner is gone now: the lock is stale and taken over.
    assert main(['valid', out]) == 0
    assert 'cleared a stale lock' in capsys.readouterr().out
    assert not os.path.exists(os.path.join(out, '.lstm-chainer.lock'))


def test_other_data_in_a_finished_directory(model, tmp_path, capsys):
    _, out = model
    other = tmp_path / 'other.csv'
    frame = daily()
    frame['a'] += 1
    frame.to_csv(other, index=False)
    before = digest(out)
    assert main(['train', str(other), '--out', out, '--time-column', 'date']
                + FAST) == 2
    one_line_error(capsys, 'holds a model trained with other data')
    assert digest(out) == before


def test_options_a_resumed_run_cannot_honour(model, capsys):
    path, out = model
    args = ['train', path, '--out', out, '--time-column', 'date']
    assert main(args + FAST + ['--seed', '5']) == 0
    printed = capsys.readouterr().out
    assert 'seed 5 was ignored' in printed
    record = lc.load_model(out).record
    assert record.training['seed'] == 0 and record.training['epochs'] == 1
    fast = list(FAST)
    fast[1] = '3'
    assert main(args + fast) == 0
    assert lc.load_model(out).record.training['epochs'] == 3
    # Quiet, the summary alone goes to stdout; what had no effect is still
    # said, on stderr.
    capsys.readouterr()
    assert main(args + FAST + ['--quiet']) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith('summary:')
    assert captured.err == 'lstm-chainer train: note: epochs 1 had no ' \
        'effect: the directory already holds 3 epochs\n'


# 7. Small things.

def test_leftovers_of_killed_runs_are_removed(model, capsys):
    _, out = model
    open(os.path.join(out, '.model.json1a2b3c4d'), 'w').close()
    os.mkdir(os.path.join(out, 'tmpsnapshot_epoch_3xyz'))
    assert main(['valid', out]) == 0
    printed = capsys.readouterr().out
    assert 'removed .model.json1a2b3c4d' in printed
    assert not os.path.exists(os.path.join(out, 'tmpsnapshot_epoch_3xyz'))


def test_ctrl_c_is_one_line(model, monkeypatch, capsys):
    _, out = model

    def interrupted(args, output):
        raise KeyboardInterrupt
    monkeypatch.setitem(__import__('lstm_chainer.cli').cli.COMMANDS, 'valid',
                        interrupted)
    assert main(['valid', out]) == 130
    one_line_error(capsys, 'interrupted; run the same command again to '
                   'resume')


# A real file system that fills up, at each stage of a training run.

@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs (root can mount one; elsewhere the test cannot run)."""
    import subprocess
    mount = tmp_path / 'disk'
    mount.mkdir()
    made = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=2m', 'tmpfs',
                           str(mount)], capture_output=True)
    if made.returncode:
        pytest.skip('cannot mount a tmpfs here: {}'.format(
            made.stderr.decode().strip()))
    yield mount
    subprocess.run(['umount', str(mount)], check=True)


def fill(disk):
    """Writes a filler file until the disk is full."""
    with open(disk / 'filler', 'ab', buffering=0) as f:
        try:
            while True:
                f.write(b'\0' * 4096)
                f.flush()
        except OSError:
            pass


STAGES = {
    # The best model is the first snapshot written.
    'snapshot': ('chainer.training.extensions.snapshot_writers.SimpleWriter'
                 '.save', 'best_model.npz'),
    'loss plot': ('matplotlib.figure.Figure.savefig', 'loss.png'),
    'model files': ('lstm_chainer.forecasting.saved.SavedModel.save',
                    'model.npz'),
}


@pytest.mark.parametrize('stage', STAGES)
def test_a_disk_that_fills_at_each_stage_is_one_line(stage, trained,
                                                     small_disk, monkeypatch,
                                                     capsys):
    import importlib
    target, name = STAGES[stage]
    owner, attr = target.rsplit('.', 1)
    module, cls = owner.rsplit('.', 1)
    klass = getattr(importlib.import_module(module), cls)
    original = getattr(klass, attr)

    def filled_first(*args, **kwargs):
        fill(small_disk)
        return original(*args, **kwargs)
    monkeypatch.setattr(klass, attr, filled_first)
    path, _ = trained
    out = small_disk / 'model'
    assert main(['train', path, '--out', str(out), '--time-column', 'date',
                 '--snap', '1'] + FAST) == 2
    err = one_line_error(capsys, 'No space left on device')
    assert '{}: No space left'.format(os.path.join(str(out), name)) in err
    left = sorted(os.listdir(out)) if out.exists() else []
    assert not [n for n in left if n.startswith(('.', 'tmp', 'log.'))], left
    assert name not in left  # nothing half written under its name


def test_what_killed_runs_leave_in_members_is_cleaned(model, capsys):
    path, out = model
    os.makedirs(os.path.join(out, 'member1', 'logx1y2'))
    open(os.path.join(out, 'member1', '.loss.png1a2b.png'), 'w').close()
    os.makedirs(os.path.join(out, 'logq9w8'))
    assert main(['valid', out]) == 0
    printed = capsys.readouterr().out
    for left in ('member1/logx1y2', 'member1/.loss.png1a2b.png', 'logq9w8'):
        assert 'removed {}'.format(left) in printed
        assert not os.path.exists(os.path.join(out, left))
    assert os.path.isfile(os.path.join(out, 'log'))


def _edit_record(directory, edit):
    import json
    path = os.path.join(directory, 'model.json')
    with open(path) as f:
        doc = json.load(f)
    doc = edit(doc)
    with open(path, 'w') as f:
        json.dump(doc, f)


def _drop(section, key):
    def edit(doc):
        del doc[section][key]
        return doc
    return edit


def _set(section, key, value):
    def edit(doc):
        doc[section][key] = value
        return doc
    return edit


@pytest.mark.parametrize('command', [['valid'], ['pred', '--steps', '2']])
@pytest.mark.parametrize('edit, message', [
    (lambda doc: [doc], 'model.json is not a model description (not a JSON '
                        'object)'),
    (_drop('data', 'rows'), 'data.rows is missing'),
    (_set('data', 'rows', 'many'), "data.rows must be a whole number >= 1, "
                                   "got 'many'"),
    (_set('model', 'n_units', -5), 'model.n_units must be a whole number '
                                   '>= 1, got -5'),
    (_set('backtest', 'context', 0), 'backtest.context must be a whole '
                                     'number >= 1, got 0'),
])
def test_a_damaged_record_is_one_line_naming_the_file_and_field(
        model, capsys, command, edit, message):
    path, out = model
    _edit_record(out, edit)
    before = digest(out)
    argv = [command[0], out, '--data', path] + command[1:]
    assert main(argv) == 2
    one_line_error(capsys, os.path.join(out, 'model.json'), message)
    assert digest(out) == before


def test_a_column_seasonal_naive_gets_exactly_right_is_scored(tmp_path,
                                                              capsys):
    # A working-day flag repeats every week: seasonal naive's in-sample
    # error is 0 (the report died with 'Encountered all NA values').
    frame = daily(140)
    frame['workday'] = (pd.to_datetime(frame['date']).dt.day_of_week < 5) \
        .astype(float)
    path = tmp_path / 'data.csv'
    frame.to_csv(path, index=False)
    assert main(['train', str(path), '--out', str(tmp_path / 'm'),
                 '--time-column', 'date', '--json'] + FAST) == 0
    import json
    doc = json.loads(capsys.readouterr().out)
    mase = doc['backtest']['per_variable']
    assert np.isfinite(mase['workday']['model MASE'])


def test_future_values_for_a_model_without_covariates_are_refused(model,
                                                                  capsys):
    path, out = model
    before = digest(out)
    assert main(['pred', out, '--data', path, '--future', path]) == 2
    one_line_error(capsys, "--future gives covariates' values, and the "
                   'model reads none')
    assert digest(out) == before
