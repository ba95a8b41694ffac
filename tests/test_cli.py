import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer import load_model
from lstm_chainer.cli import build_parser, main

N = 240


def make_frame(n=N):
    t = np.arange(n)
    rng = np.random.RandomState(0)
    return pd.DataFrame({
        'date': pd.date_range('2024-01-01', periods=n, freq='D'),
        'temp': 20 + 5 * np.sin(2 * np.pi * t / 30) + 0.1 * rng.randn(n),
        'sales': 1e5 + 2e4 * np.cos(2 * np.pi * t / 30) + 300 * rng.randn(n),
        'label': ['x'] * n,
    })


@pytest.fixture(scope='module')
def csv(tmp_path_factory):
    path = tmp_path_factory.mktemp('data') / 'sensors.csv'
    make_frame().to_csv(path, index=False)
    return str(path)


TRAIN = ['--time-column', 'date', '--epochs', '3', '--n-units', '16',
         '--seq-len', '8', '--support-len', '2', '--snap', '2',
         '--ensemble', '2']


@pytest.fixture(scope='module')
def trained(csv, tmp_path_factory):
    out = str(tmp_path_factory.mktemp('model') / 'm')
    assert main(['train', csv, '--out', out] + TRAIN) == 0
    return out


@pytest.fixture
def model_dir(trained, tmp_path):
    copy = str(tmp_path / 'm')
    shutil.copytree(trained, copy)
    return copy


def digest(directory):
    """SHA-256 of every file below ``directory``, by relative path."""
    result = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            with open(path, 'rb') as f:
                result[os.path.relpath(path, directory)] = hashlib.sha256(
                    f.read()).hexdigest()
    return result


def test_train_writes_a_loadable_model(trained):
    for name in ('model.npz', 'model.json', 'log', 'loss.png',
                 'snapshot_epoch_2', 'snapshot_epoch_3'):
        assert os.path.getsize(os.path.join(trained, name)) > 0, name
    forecaster = load_model(trained)
    assert forecaster.columns == ['temp', 'sales']
    assert forecaster.meta['freq'] == 'D'
    assert forecaster.meta['time_column'] == 'date'
    # Statistics come from the training part only (the first 180 rows).
    train = make_frame().iloc[:180]
    np.testing.assert_allclose(forecaster.scaler.mean,
                               train[['temp', 'sales']].mean(), rtol=1e-12)


def test_train_again_resumes(model_dir, csv, capsys):
    assert main(['train', csv, '--out', model_dir] + TRAIN[:3]
                + ['5'] + TRAIN[4:]) == 0
    meta = load_model(model_dir).meta
    assert meta['training']['iterations'] == -(-5 * 180 // 16)  # ceil
    assert 'snapshot_epoch_5' in os.listdir(model_dir)


def test_valid_backtests_against_the_baselines(model_dir, capsys):
    assert main(['valid', model_dir, '--horizon', '6', '--verbose']) == 0
    out = capsys.readouterr().out
    assert 'best baseline' in out and 'skill' in out
    assert 'naive' in out and 'seasonal_naive' in out  # per horizon
    assert 'summary: the ' in out
    metrics = pd.read_csv(os.path.join(model_dir, 'valid.csv'))
    # 'network': the network alone beside the combination it is part of.
    models = {'model', 'naive', 'seasonal_naive', 'drift', 'theta',
              'damped', 'pretrained'}
    assert set(metrics['model']) == models | (
        {'network'} if lc.load_model(model_dir).combination else set())
    assert sorted(set(metrics['horizon'])) == [1, 2, 3, 4, 5, 6]
    assert os.path.getsize(os.path.join(model_dir, 'valid.png')) > 0

    # Persistence by hand: origins 179 .. 233 (the first is the last
    # training row), forecast = the value at the origin, MASE scaled by the
    # training part's seasonal naive error (daily data: season 7).
    data = make_frame()[['temp', 'sales']].to_numpy()
    origins = np.arange(179, N - 6)
    scale = np.abs(data[7:180] - data[:173]).mean(axis=0)
    persistence = metrics[metrics['model'] == 'naive'].set_index(
        ['horizon', 'variable'])
    for h in range(1, 7):
        mae = np.abs(data[origins + h] - data[origins]).mean(axis=0)
        for j, name in enumerate(['temp', 'sales']):
            assert persistence.loc[(h, name), 'MAE'] == pytest.approx(
                mae[j], rel=1e-9)
            assert persistence.loc[(h, name), 'MASE'] == pytest.approx(
                mae[j] / scale[j], rel=1e-9)
    # Data units: sales errors are in the hundreds to thousands, not ~0.1.
    model = metrics[metrics['model'] == 'model']
    assert model[model['variable'] == 'sales']['MAE'].min() > 50


def test_pred_continues_the_dates_in_data_units(model_dir, capsys):
    assert main(['pred', model_dir, '--steps', '12']) == 0
    future = pd.read_csv(os.path.join(model_dir, 'forecast.csv'),
                         index_col=0, parse_dates=True)
    assert len(future) == 12
    last = make_frame()['date'].iloc[-1]
    assert list(future.index) == list(pd.date_range(
        last + pd.Timedelta(days=1), periods=12, freq='D'))
    data = make_frame()
    for name in ('temp', 'sales'):
        low, high = data[name].min(), data[name].max()
        span = high - low
        assert future[name].between(low - span, high + span).all(), name
    assert future['sales'].abs().min() > 1e4
    assert os.path.getsize(os.path.join(model_dir, 'forecast.png')) > 0


def test_valid_and_pred_on_other_data(model_dir, tmp_path):
    other = tmp_path / 'other.csv'
    frame = make_frame(120)
    frame['extra'] = 1.0
    frame[['sales', 'extra', 'date', 'temp']].to_csv(other, index=False)
    assert main(['valid', model_dir, '--data', str(other)]) == 0
    assert main(['pred', model_dir, '--steps', '3', '--data', str(other)]) == 0
    future = pd.read_csv(os.path.join(model_dir, 'forecast.csv'),
                         index_col=0, parse_dates=True)
    assert future.index[0] == frame['date'].iloc[-1] + pd.Timedelta(days=1)


def test_without_time_column_positions_continue(tmp_path):
    path = tmp_path / 'plain.csv'
    make_frame()[['temp', 'sales']].to_csv(path, index=False)
    out = str(tmp_path / 'm')
    assert main(['train', str(path), '--out', out, '--epochs', '1',
                 '--n-units', '8', '--seq-len', '5']) == 0
    assert main(['pred', out, '--steps', '4']) == 0
    future = pd.read_csv(os.path.join(out, 'forecast.csv'), index_col=0)
    assert list(future.index) == [N, N + 1, N + 2, N + 3]


def write(tmp_path, text, name='bad.csv'):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def frame_csv(tmp_path, edit):
    frame = make_frame()
    edited = edit(frame)  # edits in place, or returns a new frame
    frame = frame if edited is None else edited
    path = tmp_path / 'bad.csv'
    frame.to_csv(path, index=False)
    return str(path)


def set_cell(frame, row, column, value):
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value


BAD_TRAIN = [
    ('unknown transform', lambda p: frame_csv(p, lambda f: None),
     ['--transform', 'cube'], "unknown transform 'cube'"),
    ('log of a non-positive column', lambda p: frame_csv(
        p, lambda f: f.__setitem__('temp', f['temp'] - 30)),
     ['--transform', 'temp=log'], "column 'temp': the log transform needs "
     'positive values'),
    ('Box-Cox of a non-positive column', lambda p: frame_csv(
        p, lambda f: f.__setitem__('temp', f['temp'] - 30)),
     ['--transform', 'temp=boxcox(0.3)-diff'], "column 'temp': the "
     'boxcox(0.3)-diff transform needs positive values'),
    ('Box-Cox lambda out of range', lambda p: frame_csv(p, lambda f: None),
     ['--transform', 'boxcox(5)'], 'the Box-Cox lambda must lie in [-2, 2]'),
    ('unknown combination', lambda p: frame_csv(p, lambda f: None),
     ['--combine', 'best'], "argument --combine: invalid choice: 'best'"),
    ('season too long', lambda p: frame_csv(p, lambda f: None),
     ['--season', '500'], 'season 500 is longer than the training part '
     '(180 rows)'),
    ('zero ensemble', lambda p: frame_csv(p, lambda f: None),
     ['--ensemble', '0'], 'argument --ensemble: must be >= 1, got 0'),
    ('missing', lambda p: str(p / 'nope.csv'), [], 'nope.csv: no such file'),
    ('empty', lambda p: write(p, ''), [], 'the file is empty'),
    ('header only', lambda p: write(p, 'date,temp,sales\n'), [],
     'has a header but no data rows'),
    ('not numeric', lambda p: frame_csv(p, lambda f: None),
     ['--columns', 'temp,label'], "column 'label' is not numeric (row 2: 'x')"),
    ('unknown column', lambda p: frame_csv(p, lambda f: None),
     ['--columns', 'temp,nope'], "unknown column(s) 'nope'"),
    ('bad date', lambda p: frame_csv(
        p, lambda f: set_cell(f, 7, 'date', 'yesterday')), [],
     "time column 'date' has a value that is not a date (row 9: 'yesterday')"),
    ('not increasing', lambda p: frame_csv(
        p, lambda f: set_cell(f, 9, 'date', pd.Timestamp('2023-01-01'))), [],
     "time column 'date' is not increasing (row 11"),
    ('duplicate', lambda p: frame_csv(
        p, lambda f: set_cell(f, 5, 'date', f.loc[4, 'date'])), [],
     'duplicate timestamp 2024-01-05 00:00:00 in \'date\' (rows 6 and 7)'),
    ('nan', lambda p: frame_csv(
        p, lambda f: set_cell(f, 3, 'temp', np.nan)), [],
     "1 empty or NaN cell(s), first at row 5 column 'temp'; pass --fill "
     'interpolate'),
    ('too short', lambda p: frame_csv(p, lambda f: f.iloc[:12]), [],
     '12 rows are too few'),
    ('support len', lambda p: frame_csv(p, lambda f: None),
     ['--support-len', '-1'],
     'argument --support-len: must be >= 0, got -1'),
    ('test size', lambda p: frame_csv(p, lambda f: None),
     ['--test-size', '1.5'], 'argument --test-size: must be in (0, 1), got 1.5'),
    ('other columns', lambda p: frame_csv(p, lambda f: None),
     ['--columns', 'temp'], "holds a model trained with columns ['temp', "
     "'sales'] (now ['temp'])"),
    ('bad device', lambda p: frame_csv(p, lambda f: None),
     ['--device', 'gpu'], "device 'gpu' is not understood"),
]


@pytest.mark.parametrize('case,make,extra,message', BAD_TRAIN,
                         ids=[c[0] for c in BAD_TRAIN])
def test_train_bad_input(case, make, extra, message, model_dir, tmp_path,
                         capsys):
    before = digest(model_dir)
    args = ['train', make(tmp_path), '--out', model_dir, '--time-column',
            'date', '--epochs', '4', '--n-units', '16', '--seq-len', '8']
    assert main(args + extra) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert digest(model_dir) == before


def test_fill_interpolate_gets_through(tmp_path):
    path = frame_csv(tmp_path, lambda f: set_cell(f, 3, 'temp', np.nan))
    out = str(tmp_path / 'm')
    assert main(['train', path, '--out', out, '--time-column', 'date',
                 '--epochs', '1', '--n-units', '8', '--seq-len', '5',
                 '--fill', 'interpolate']) == 0


@pytest.mark.parametrize('args,message', [
    (['train', 'x.csv'], 'the following arguments are required: --out'),
    (['pred', 'd', '--steps', '0'], 'argument --steps: must be >= 1, got 0'),
    (['train', 'x.csv', '--out', 'd', '--epochs', 'many'],
     "argument --epochs: invalid int value: 'many'"),
    (['train', 'x.csv', '--out', 'd', '--columns', 'a,,b'],
     "empty column name in 'a,,b'"),
    (['fit'], "invalid choice: 'fit'"),
])
def test_usage_errors_are_one_line(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err


@pytest.mark.parametrize('command', ['train', 'valid', 'pred'])
def test_help_explains_every_option(command, capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions
               if isinstance(a, argparse._SubParsersAction)).choices[command]
    for action in sub._actions:
        assert action.help, action.dest
    assert main([command, '--help']) == 0
    out = capsys.readouterr().out
    for action in sub._actions:
        for option in action.option_strings:
            assert option in out


def corrupt_npz(directory):
    path = os.path.join(directory, 'model.npz')
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])


def corrupt_json(directory):
    with open(os.path.join(directory, 'model.json'), 'w') as f:
        f.write('{"model": ')


BAD_MODEL = [
    ('no model', lambda d: [os.remove(os.path.join(d, n))
                            for n in ('model.json', 'model.npz')],
     'holds no model (model.json is missing)'),
    ('no directory', lambda d: shutil.rmtree(d), 'no such directory'),
    ('truncated npz', corrupt_npz, 'model.npz is truncated or corrupted'),
    ('corrupted json', corrupt_json, 'model.json is corrupted'),
]


@pytest.mark.parametrize('command', [['valid'], ['pred', '--steps', '3']])
@pytest.mark.parametrize('case,damage,message', BAD_MODEL,
                         ids=[c[0] for c in BAD_MODEL])
def test_bad_model_directory(command, case, damage, message, model_dir,
                             capsys):
    damage(model_dir)
    before = digest(model_dir) if os.path.isdir(model_dir) else None
    assert main([command[0], model_dir] + command[1:]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    if before is not None:
        assert digest(model_dir) == before


def test_data_without_the_model_columns(model_dir, tmp_path, capsys):
    path = tmp_path / 'other.csv'
    make_frame()[['date', 'temp']].to_csv(path, index=False)
    before = digest(model_dir)
    assert main(['valid', model_dir, '--data', str(path)]) == 2
    assert "lacks the column(s) 'sales'" in capsys.readouterr().err
    assert digest(model_dir) == before


def test_console_script_exit_status_and_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, '-m', 'lstm_chainer', 'valid', str(tmp_path)],
        capture_output=True, text=True)
    assert result.returncode == 2
    assert 'Traceback' not in result.stderr
    assert result.stderr.strip() == (
        'lstm-chainer valid: error: {} holds no model (model.json is '
        'missing); train one with "lstm-chainer train"'.format(tmp_path))


def test_train_prints_the_backtest_summary_and_refits(csv, tmp_path,
                                                      capsys):
    out = str(tmp_path / 'm')
    assert main(['train', csv, '--out', out, '--time-column', 'date',
                 '--epochs', '2', '--n-units', '8', '--ensemble', '1',
                 '--horizon', '5', '--refit']) == 0
    printed = capsys.readouterr().out
    assert 'season 7 (one week), horizon 5, context 14 rows; transforms:' in printed
    assert 'chosen on the training part' in printed
    summary = [line for line in printed.splitlines()
               if line.startswith('summary: the ')]
    assert len(summary) == 1 and 'naive' in summary[0]
    record = load_model(out).record
    assert (record.refit.dir, record.refit.rows) == ('refit', N)
    assert record.backtest['horizon'] == 5
    # From the last training row (179) to the last with 5 rows after it.
    assert record.backtest['summary']['origins'] == 234 - 179 + 1
    refitted = load_model(os.path.join(out, 'refit'))
    # Statistics of the refitted model come from every row.
    assert refitted.record.data.test_rows == 0
    assert not np.allclose(refitted.scaler.mean, load_model(out).scaler.mean)
    assert main(['pred', out, '--steps', '3']) == 0
    assert 'refitted on all 240 rows' in capsys.readouterr().out


def test_piped_training_log_is_plain_lines(csv, tmp_path):
    out = str(tmp_path / 'm')
    run = subprocess.run(
        [sys.executable, '-m', 'lstm_chainer', 'train', csv, '--out', out,
         '--time-column', 'date', '--epochs', '4', '--n-units', '8',
         '--ensemble', '2', '--seq-len', '8'],
        capture_output=True, text=True, check=True)
    assert '\x1b' not in run.stdout and 'iters/sec' not in run.stdout
    lines = [line for line in run.stdout.splitlines() if 'epoch ' in line]
    assert lines[0].startswith('member 1/2  epoch 1/4  loss ')
    assert 'elapsed' in lines[0] and 'remaining' in lines[0]
    assert lines[-1].startswith('member 2/2  epoch 4/4')


def test_quiet_prints_one_line(model_dir, capsys):
    for command in (['valid', model_dir], ['pred', model_dir, '--steps', '2']):
        assert main(command + ['--quiet']) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 1, lines
    assert lines[0].startswith('forecast 2 steps by the model trained on the first '
                               '180 rows')


def test_json_holds_the_numbers_of_the_files(model_dir, capsys):
    assert main(['valid', model_dir, '--json', '--horizon', '4']) == 0
    doc = json.loads(capsys.readouterr().out)
    metrics = pd.read_csv(os.path.join(model_dir, 'valid.csv'))
    got = pd.DataFrame(doc['backtest']['metrics'])
    pd.testing.assert_frame_equal(got[metrics.columns], metrics,
                                  check_exact=False, rtol=1e-12)
    assert doc['backtest']['horizon'] == 4
    assert doc['verdict'].startswith('summary: the ')
    assert os.path.join(model_dir, 'valid.csv') in doc['files']
    assert main(['pred', model_dir, '--json', '--steps', '3']) == 0
    doc = json.loads(capsys.readouterr().out)
    future = pd.read_csv(os.path.join(model_dir, 'forecast.csv'), index_col=0)
    np.testing.assert_allclose(doc['forecast']['values'], future.to_numpy(),
                               rtol=1e-12)
    assert doc['forecast']['columns'][:2] == ['temp', 'sales']
    assert doc['forecast']['columns'] == list(future.columns)
    # The intervals calibrated by train lie around the point forecast.
    lower, upper = future['temp_lower_95'], future['temp_upper_95']
    assert ((lower < future['temp']) & (future['temp'] < upper)).all()


def test_library_forecast_with_the_saved_intervals(model_dir, csv):
    assert main(['pred', model_dir, '--steps', '3', '--quiet']) == 0
    written = pd.read_csv(os.path.join(model_dir, 'forecast.csv'),
                          index_col=0)
    model = load_model(model_dir)
    history = pd.read_csv(csv, index_col='date', parse_dates=True)[
        model.data_columns]
    future = lc.forecast(model, history, 3, intervals=True)
    assert list(future.columns) == list(written.columns)
    np.testing.assert_allclose(future.to_numpy(), written.to_numpy(),
                               rtol=1e-9)
    with pytest.raises(ValueError, match='no calibrated prediction intervals'):
        lc.forecast(lc.Model(2, 2, 4), history.to_numpy(np.float32), 3,
                    intervals=True)


def test_train_json(csv, tmp_path, capsys):
    out = str(tmp_path / 'm')
    assert main(['train', csv, '--out', out, '--time-column', 'date',
                 '--epochs', '1', '--n-units', '8', '--ensemble', '1',
                 '--json']) == 0
    doc = json.loads(capsys.readouterr().out)  # nothing else on stdout
    assert doc['command'] == 'train'
    assert set(doc['settings']['transforms']) == {'temp', 'sales'}
    assert 'kpss' in doc['transform_choice']['temp']
    saved = load_model(out).record.backtest['summary']['mase']
    assert doc['backtest']['summary']['model']['MASE'] == pytest.approx(
        saved['model'])


def test_version(capsys):
    assert main(['--version']) == 0
    printed = capsys.readouterr().out
    assert printed.startswith('lstm-chainer {} (Chainer 7.8.1, NumPy '.format(
        lc.__version__))
    assert 'Python 3.' in printed


def test_library_forecast_equals_pred(model_dir):
    assert main(['pred', model_dir, '--steps', '4', '--quiet']) == 0
    written = pd.read_csv(os.path.join(model_dir, 'forecast.csv'),
                          index_col=0, parse_dates=True)
    data = make_frame().set_index('date')[['temp', 'sales']]
    future = lc.forecast(load_model(model_dir), data, 4)
    np.testing.assert_allclose(written[['temp', 'sales']].to_numpy(),
                               future.to_numpy(), rtol=1e-9)


def test_forecast_intervals_nest_and_respect_the_sign(model_dir):
    assert main(['pred', model_dir, '--steps', '30', '-q']) == 0
    frame = pd.read_csv(os.path.join(model_dir, 'forecast.csv'), index_col=0)
    levels = sorted({c.rsplit('_', 1)[1] for c in frame.columns
                     if '_lower_' in c}, key=float)
    assert levels, 'no intervals in forecast.csv'
    for column in ('temp', 'sales'):
        bounds = [frame[column]]
        for pct in levels:
            bounds = [frame['{}_lower_{}'.format(column, pct)]] + bounds + [
                frame['{}_upper_{}'.format(column, pct)]]
        values = np.column_stack(bounds)
        assert (np.diff(values, axis=1) >= 0).all(), column
        assert np.isfinite(values).all()
        assert (frame['{}_lower_{}'.format(column, levels[-1])] >= 0).all()


def test_pred_forecasts_the_horizon_by_default(model_dir, capsys):
    assert main(['pred', model_dir]) == 0
    horizon = load_model(model_dir).record.backtest.horizon
    assert 'forecasting {} steps, the horizon'.format(horizon) in \
        capsys.readouterr().out
    frame = pd.read_csv(os.path.join(model_dir, 'forecast.csv'))
    assert len(frame) == horizon
