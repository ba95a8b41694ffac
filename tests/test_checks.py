import numpy as np
import pandas as pd
import pytest

from lstm_chainer import LSTM_Iterator, Model, get_device, get_trainer, pred

GOOD = np.zeros((20, 2))


@pytest.mark.parametrize('kwargs,match', [
    (dict(seq_len=20), r'seq_len \+ pred \(20 \+ 1\)'),
    (dict(seq_len=0), 'seq_len must be >= 1, got 0'),
    (dict(support_len=-1), 'support_len must be >= 0, got -1'),
    (dict(batch_size=0), 'batch_size must be >= 1, got 0'),
    (dict(batch_size=2.5), 'batch_size must be an integer, got 2.5'),
    (dict(pred=0), 'pred must be >= 1, got 0'),
    (dict(seq_len=True), 'seq_len must be an integer, got True'),
])
def test_iterator_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LSTM_Iterator(GOOD, **kwargs)


@pytest.mark.parametrize('data,match', [
    (np.zeros(20), r'dataset must be 2-D \(time, variables\), got shape \(20,\)'),
    (np.zeros((2, 3, 4)), 'must be 2-D'),
    (np.zeros((0, 2)), 'dataset is empty'),
    (np.array([[0.0, np.nan]] * 20), "NaN or inf \\(first at row 0, column 1\\)"),
    (np.array([[0.0, 1.0]] * 5 + [[np.inf, 0]] * 15), 'first at row 5, column 0'),
    (np.array([['a', 'b']] * 20), 'dataset must hold real numbers, got dtype <U1'),
    (np.ones((20, 2), dtype=complex), 'got dtype complex128'),
    (np.ones((20, 2), dtype=bool), 'got dtype bool'),
    (pd.DataFrame({'x': range(20), 'y': ['s'] * 20}), r"column\(s\) 'y' are not"),
    (pd.DataFrame({'x': [0.0] * 19 + [np.nan]}), "first at row 19, column 'x'"),
    ([[1, 2], [3]], 'dataset is not array-like'),
])
def test_bad_data(data, match):
    with pytest.raises(ValueError, match=match):
        LSTM_Iterator(data, seq_len=2)


@pytest.mark.parametrize('kwargs,match', [
    (dict(n_input=0), 'n_input must be >= 1, got 0'),
    (dict(n_units=-3), 'n_units must be >= 1'),
    (dict(n_layers=0), 'n_layers must be >= 1'),
    (dict(dropout=1.0), r'dropout must be in \[0, 1\), got 1.0'),
])
def test_model_arguments(kwargs, match):
    args = dict(n_input=2, n_output=2, n_units=4)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        Model(**args)


@pytest.mark.parametrize('kwargs,match', [
    (dict(seq=0), 'seq must be >= 1, got 0'),
    (dict(seq=5, s=-1), 's must be >= 0, got -1'),
    (dict(seq=30, s=25), r's \(25\) needs 26 rows of data as inputs, data has 20'),
    (dict(seq=5, diff=0), 'diff must be >= 1, got 0'),
])
def test_pred_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pred(Model(2, 2, 4), GOOD, **kwargs)


@pytest.mark.parametrize('spec,match', [
    ('@cupy:0', "device '@cupy:0' is a GPU but CuPy/CUDA is not usable"),
    (0, 'device 0 is a GPU but CuPy/CUDA is not usable here'),
    ('gpu', "device 'gpu' is not understood"),
    (True, 'device must be a device specifier, got True'),
])
def test_device_errors_without_gpu(spec, match):
    from chainer.backends import cuda
    if cuda.available:
        pytest.skip('CuPy is available here')
    with pytest.raises(ValueError, match=match):
        get_device(spec)


@pytest.mark.parametrize('spec', [-1, '-1', '@numpy', None])
def test_cpu_device_specs(spec):
    assert get_device(spec).xp is np


@pytest.mark.parametrize('kwargs,match', [
    (dict(epoch=0), 'epoch must be >= 1, got 0'),
    (dict(snap=0), 'snap must be >= 1, got 0'),
    (dict(test=np.zeros((20, 3))), 'test has 3 variables, train has 2'),
    (dict(test=np.zeros((5, 2))), r'seq_len \+ pred \(10 \+ 1\) must not exceed'),
])
def test_trainer_arguments(kwargs, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        get_trainer(GOOD, 4, out=str(tmp_path), **kwargs)


def test_communicator_without_mpi4py(monkeypatch):
    import sys

    from lstm_chainer.training.distributed import create_communicator
    monkeypatch.setitem(sys.modules, 'mpi4py', None)
    monkeypatch.setitem(sys.modules, 'mpi4py.MPI', None)
    with pytest.raises(ValueError, match="communicator 'naive' needs MPI and "
                       'mpi4py'):
        create_communicator('naive')
