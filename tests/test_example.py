import importlib.util
import os

import pandas as pd
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_example(name):
    path = os.path.join(ROOT, 'examples', name + '.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sine_cos_example_end_to_end(tmp_path, capsys):
    example = load_example('sine_cos')
    out = str(tmp_path / 'out')
    table = example.main(['--test', '--out', out, '--valid-seq-len', '12',
                          '--pred-seq', '60'])
    for name in ('log', 'data.png', 'loss.png', 'valid.csv', 'valid.png',
                 'pred.csv', 'pred.png', 'snapshot_epoch_2'):
        assert os.path.getsize(os.path.join(out, name)) > 0, name
    saved = pd.read_csv(os.path.join(out, 'valid.csv'), index_col=0)
    assert list(saved.columns) == ['sin', 'cos', 'Total']
    assert list(saved.index) == list(range(1, 13))
    pd.testing.assert_frame_equal(saved, table, check_names=False,
                                  check_dtype=False)
    forecast = pd.read_csv(os.path.join(out, 'pred.csv'), index_col=0)
    assert list(forecast.columns) == ['sin_pred', 'cos_pred', 'sin_truth',
                                      'cos_truth']
    assert len(forecast) == 60 and forecast.index[0] == 151
    # The test part ends at t = 199: the forecast goes on past the data.
    assert forecast.loc[199:, 'sin_truth'].notna().sum() == 1
    assert forecast.loc[200:, 'sin_pred'].notna().all()
    printed = capsys.readouterr().out
    assert 'Recursive validation RMSE' in printed and 'persistence' in printed
    assert "This is the article's configuration" in printed


def test_sine_cos_example_rejects_bad_arguments(tmp_path):
    example = load_example('sine_cos')
    with pytest.raises(ValueError, match='support_len must be >= 0, got -1'):
        example.main(['--test', '--out', str(tmp_path), '--support-len', '-1'])


@pytest.mark.slow
def test_the_readme_one_call_example_runs_as_written(tmp_path, monkeypatch):
    import re

    import numpy as np
    with open(os.path.join(ROOT, 'README.md')) as f:
        blocks = re.findall(r'```python\n(.*?)```', f.read(), re.S)
    example = next(b for b in blocks if 'fit_auto' in b)
    t = np.arange(120)
    rng = np.random.RandomState(0)
    pd.DataFrame({
        'month': pd.date_range('2010-01-01', periods=120, freq='MS'),
        'sales': 200 + t + 20 * np.sin(2 * np.pi * t / 12)
        + 3 * rng.randn(120)}).to_csv(tmp_path / 'sales.csv', index=False)
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(example, 'README.md', 'exec'), scope)
    assert len(scope['future']) == 18
    assert os.path.isfile(tmp_path / 'model' / 'model.json')
