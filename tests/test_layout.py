import importlib

import chainer
import pytest

import lstm_chainer as lc

MOVED = [(name, package) for package, names in lc._MOVED.items()
         for name in names]


@pytest.mark.parametrize('name,package', MOVED)
def test_old_import_paths_are_the_new_modules(name, package):
    old = importlib.import_module('lstm_chainer.' + name)
    assert old is importlib.import_module(
        'lstm_chainer.{}.{}'.format(package, name))
    # lc.backtest is the function of that name, as it was in 0.2; the other
    # names are the modules.
    expected = old.backtest if name == 'backtest' else old
    assert getattr(lc, name) is expected


def test_from_import_through_an_old_path():
    from lstm_chainer.forecaster import Forecaster
    from lstm_chainer.fused import supports
    assert Forecaster is lc.Forecaster
    assert supports(lc.Model(2, 2, 3), training=True)


def test_the_model_protocols():
    from lstm_chainer.core.protocols import (
        DataUnitsModel,
        OneStepModel,
        SizedModel,
        n_outputs,
    )
    model = lc.Model(3, 2, 4)
    forecaster = lc.Forecaster(lc.Model(2, 2, 4), lc.Scaler(
        [0.0, 0.0], [1.0, 1.0], ['a', 'b']))
    chain = chainer.links.LSTM(2, 2)
    assert isinstance(model, SizedModel) and not isinstance(
        model, DataUnitsModel)
    assert isinstance(forecaster, DataUnitsModel)
    assert isinstance(chain, OneStepModel) and not isinstance(
        chain, SizedModel)
    assert n_outputs(model, 3) == 2 and n_outputs(chain, 3) == 3
    assert n_outputs(lc.LossFuncL(model), 3) == 2
