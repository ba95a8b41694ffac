import importlib
import os
import subprocess
import sys

import chainer
import pytest

import lstm_chainer as lc
from lstm_chainer import _aliases

CHECK_ALIASES = """
import importlib, warnings
warnings.simplefilter('error')
import lstm_chainer
from lstm_chainer import _aliases
for old, new in sorted(_aliases.MOVED.items()):
    module = importlib.import_module(new)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always')
        alias = importlib.import_module(old)
    assert alias is module, (old, new)
    assert [str(w.message) for w in seen] == [
        '{} is now {}; the old path will go'.format(old, new)], seen
    assert alias.__spec__.name == new, (old, alias.__spec__.name)
print(len(_aliases.MOVED))
"""


def test_every_old_import_path_is_the_new_module_with_a_warning():
    # A fresh interpreter: each old path is imported for the first time.
    done = subprocess.run([sys.executable, '-c', CHECK_ALIASES], check=True,
                          capture_output=True, text=True)
    assert int(done.stdout) == len(_aliases.MOVED) > 40


def test_an_old_attribute_of_the_package_warns():
    with pytest.warns(FutureWarning, match='lstm_chainer.fused is now '
                      'lstm_chainer.core.fused'):
        assert lc.fused is importlib.import_module('lstm_chainer.core.fused')
    # lc.backtest is the function, as it was in 0.2 (no module alias).
    from lstm_chainer.forecasting.evaluation.backtest import backtest
    assert lc.backtest is backtest
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = lc.nope


def test_from_import_through_an_old_path():
    with pytest.warns(FutureWarning, match='lstm_chainer.forecaster is now '
                      'lstm_chainer.forecasting.models.forecaster'):
        from lstm_chainer.forecaster import Forecaster
    assert Forecaster is lc.Forecaster


def test_forecasting_keeps_at_most_six_modules_flat():
    import lstm_chainer.forecasting as package
    here = os.path.dirname(package.__file__)
    flat = sorted(name for name in os.listdir(here) if name.endswith('.py')
                  and name != '__init__.py')
    assert len(flat) <= 6, flat


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


@pytest.mark.parametrize('package', ['core', 'training', 'data'])
def test_the_lower_packages_do_not_import_forecasting(package):
    import ast
    here = os.path.join(os.path.dirname(lc.__file__), package)
    for name in os.listdir(here):
        if not name.endswith('.py'):
            continue
        with open(os.path.join(here, name)) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            modules = [node.module or ''] if isinstance(
                node, ast.ImportFrom) else [a.name for a in node.names] \
                if isinstance(node, ast.Import) else []
            assert not any(m.startswith('lstm_chainer.forecasting')
                           for m in modules), (package, name, modules)


def test_the_names_of_modules_that_became_packages_still_import():
    with pytest.warns(FutureWarning, match='forecasting.evaluation.valid is '
                      'now lstm_chainer.core.evaluation.valid'):
        from lstm_chainer.forecasting.evaluation import valid
    assert valid is lc.valid
    with pytest.warns(FutureWarning, match='forecasting.evaluation.forecast '
                      'is now lstm_chainer.forecasting.forecast.forecast'):
        from lstm_chainer.forecasting.evaluation import forecast
    assert forecast is lc.forecast
    with pytest.warns(FutureWarning, match='classical.CLASSICAL is now'):
        from lstm_chainer.forecasting.classical import CLASSICAL
    assert CLASSICAL == ('ets',)
    with pytest.raises(ImportError):
        from lstm_chainer.forecasting.classical import nope  # noqa: F401


def test_the_command_line_is_one_path_of_at_most_700_lines():
    # 600 for train, valid and pred (0.8); forecast (the pretrained
    # network, 0.9) shares pred's writing and reading.
    import lstm_chainer.cli as cli
    here = os.path.dirname(cli.__file__)
    files = sorted(n for n in os.listdir(here) if n.endswith('.py'))
    lines = 0
    for name in files:
        with open(os.path.join(here, name)) as f:
            lines += len(f.read().splitlines())
    assert lines <= 700, lines
    # No second module for many series: the id column is the difference.
    assert files == ['__init__.py', 'commands.py', 'output.py', 'parser.py']
