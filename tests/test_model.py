import chainer
import numpy as np
import pytest

from lstm_chainer import Model


def test_defaults_are_the_articles_network():
    model = Model(2, 3, 5)
    names = sorted(name for name, _ in model.namedparams())
    assert names == [
        '/l1/W', '/l1/b', '/l2/lateral/W', '/l2/upward/W', '/l2/upward/b',
        '/l3/W', '/l3/b']
    assert model.l1.W.shape == (5, 2)
    assert model.l3.W.shape == (3, 5)


@pytest.mark.parametrize('n_layers', [1, 2, 3])
def test_one_step_shapes_and_state(n_layers):
    model = Model(2, 2, 6, n_layers=n_layers)
    assert len(model.lstms) == n_layers
    x = np.ones((4, 2), dtype=np.float32)
    y1 = model(x).array
    assert y1.shape == (4, 2)
    y2 = model(x).array
    assert not np.allclose(y1, y2)  # the state moved on
    model.reset_state()
    assert all(lstm.h is None and lstm.c is None for lstm in model.lstms)
    np.testing.assert_allclose(model(x).array, y1)


def test_dropout_only_while_training():
    model = Model(2, 2, 32, dropout=0.5)
    x = np.ones((8, 2), dtype=np.float32)
    with chainer.using_config('train', False):
        a = model(x).array
        model.reset_state()
        b = model(x).array
    np.testing.assert_array_equal(a, b)
    model.reset_state()
    assert not np.allclose(model(x).array, a)


def test_residual_adds_the_input():
    plain = Model(2, 2, 5)
    residual = Model(2, 2, 5, residual=True)
    residual.copyparams(plain)
    x = np.random.RandomState(0).randn(3, 2).astype(np.float32)
    np.testing.assert_allclose(residual(x).array, plain(x).array + x,
                               rtol=1e-6)
    with pytest.raises(ValueError, match='residual=True needs n_input == '):
        Model(2, 3, 4, residual=True)
