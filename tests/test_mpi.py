"""Data-parallel training with ChainerMN under mpiexec -n 2 on the CPU."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.cli import main

HERE = os.path.dirname(os.path.abspath(__file__))


def mpi_missing():
    if shutil.which('mpiexec') is None:
        return 'mpiexec not found (install openmpi-bin and libopenmpi-dev)'
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return 'mpi4py is not installed (make test installs it when mpicc exists)'
    return None


pytestmark = [pytest.mark.mpi,
              pytest.mark.skipif(mpi_missing() is not None,
                                 reason=mpi_missing() or '')]


def mpiexec(n):
    """The mpiexec command line, with the flags Open MPI wants as root."""
    command = ['mpiexec', '-n', str(n)]
    version = subprocess.run(['mpiexec', '--version'], capture_output=True,
                             text=True).stdout
    if 'Open MPI' in version or 'OpenRTE' in version:
        command += ['--oversubscribe', '-x', 'OMP_NUM_THREADS=1']
        if os.geteuid() == 0:
            command.insert(1, '--allow-run-as-root')
    return command


def launch(out, epochs, n=2, extra=()):
    return subprocess.run(
        mpiexec(n) + list(extra)
        + [sys.executable, os.path.join(HERE, 'mpi_worker.py'), str(out),
           str(epochs)],
        capture_output=True, text=True, timeout=180)


def run_workers(out, epochs, n=2):
    result = launch(out, epochs, n)
    assert result.returncode == 0, result.stderr[-3000:]
    params = [dict(np.load(os.path.join(str(out), 'params.{}.npz'.format(r))))
              for r in range(n)]
    results = []
    for r in range(n):
        with open(os.path.join(str(out), 'result.{}.json'.format(r))) as f:
            results.append(json.load(f))
    return params, results


@pytest.fixture(scope='module')
def straight(tmp_path_factory):
    out = tmp_path_factory.mktemp('straight')
    return out, run_workers(out, 4)


def test_ranks_end_with_identical_parameters(straight):
    _, (params, results) = straight
    for name in params[0]:
        np.testing.assert_array_equal(params[0][name], params[1][name])
    assert results[0] == results[1]


def test_loss_falls_and_is_logged_by_rank_0_only(straight):
    out, _ = straight
    with open(os.path.join(str(out), 'log')) as f:
        log = json.load(f)
    assert [e['epoch'] for e in log] == [1, 2, 3, 4]
    assert log[-1]['main/loss'] < 0.7 * log[0]['main/loss']
    snapshots = sorted(n for n in os.listdir(str(out)) if 'snapshot' in n)
    assert snapshots == ['snapshot_epoch_4.0', 'snapshot_epoch_4.1']


def test_global_validation_equals_one_process(straight):
    _, (params, results) = straight
    model = lc.Model(2, 2, 16)
    for name, p in model.namedparams():
        p.array[...] = params[0][name]
    _, test = lc.sine_cos()
    sse, count = lc.recursive_squared_errors(
        model, lc.LSTM_Iterator(test, batch_size=256, seq_len=10,
                                repeat=False))
    expected = np.sqrt(sse.sum() / (count * sse.size))
    assert results[0]['rmse'] == pytest.approx(expected, rel=1e-6)


def test_resume_under_mpi_is_exact(straight, tmp_path):
    _, (params, _) = straight
    run_workers(tmp_path, 2)
    resumed, results = run_workers(tmp_path, 4)
    assert results[0]['iteration'] == 4 * 150 // 5
    for name in params[0]:
        np.testing.assert_allclose(resumed[0][name], params[0][name],
                                   rtol=1e-6, atol=1e-7)


def test_a_model_trained_under_mpi_predicts_in_one_process(straight):
    _, (params, _) = straight
    model = lc.Model(2, 2, 16)
    for name, p in model.namedparams():
        p.array[...] = params[0][name]
    forecast, _ = lc.pred(model, [[0.0, 0.8]], 30)
    assert np.isfinite(forecast.to_numpy()).all()


def test_an_exception_in_one_rank_aborts_the_job(tmp_path):
    extra = ['-x', 'FAIL_RANK=1'] if 'OMP_NUM_THREADS=1' in mpiexec(2) \
        else []
    os.environ['FAIL_RANK'] = '1'
    try:
        result = launch(tmp_path, 50, extra=extra)  # would train for minutes
    finally:
        del os.environ['FAIL_RANK']
    assert result.returncode != 0
    assert 'rank 1 fails on purpose' in result.stderr


def test_cli_trains_under_mpi_and_predicts_in_one_process(tmp_path):
    t = np.arange(200)
    path = tmp_path / 'data.csv'
    pd.DataFrame({'a': np.sin(t / 5), 'b': np.cos(t / 9)}).to_csv(path,
                                                                  index=False)
    out = tmp_path / 'model'
    result = subprocess.run(
        mpiexec(2) + [sys.executable, '-m', 'lstm_chainer', 'train',
                      str(path), '--out', str(out), '--epochs', '2',
                      '--n-units', '8', '--seq-len', '6', '--ensemble', '2',
                      '--refit', '--communicator', 'naive'],
        capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    names = os.listdir(str(out))
    assert {'model.json', 'model.npz', 'snapshot_epoch_2.0',
            'snapshot_epoch_2.1', 'member1', 'refit'} <= set(names)
    # One summary line, from rank 0 only.
    assert result.stdout.count('summary: the ') == 1
    assert main(['pred', str(out), '--steps', '5']) == 0


def test_a_global_model_trains_on_shards_of_series_under_mpi(tmp_path):
    from test_collection import long_table
    path = tmp_path / 'long.csv'
    long_table(8).to_csv(path, index=False)
    out = tmp_path / 'model'
    result = subprocess.run(
        mpiexec(2) + [sys.executable, '-m', 'lstm_chainer', 'train',
                      str(path), '--id-column', 'store', '--time-column',
                      'month', '--out', str(out), '--epochs', '100',
                      '--horizon', '4', '--ensemble', '1', '--refit',
                      '--communicator', 'naive'],
        capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count('summary: over 8 series') == 1
    assert {'model.json', 'model.npz', 'series.csv', 'refit'} <= set(
        os.listdir(str(out)))
    assert main(['pred', str(out), '-q']) == 0
    forecast = pd.read_csv(out / 'forecast.csv')
    assert forecast['store'].nunique() == 8
