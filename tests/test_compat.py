"""The NumPy 2 / Python 3.12 shims: present only where needed, harmless."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from lstm_chainer import compat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.environ.get('LSTM_CHAINER_REFERENCE_PYTHON')


def test_shims_only_where_needed():
    numpy2 = int(np.__version__.split('.')[0]) >= 2
    assert ('numpy.sctypes' in compat.APPLIED) == numpy2
    if not numpy2 and sys.version_info < (3, 12):
        assert compat.APPLIED == []


def test_sctypes_matches_numpy_1():
    groups = np.sctypes
    assert groups['int'] == [np.int8, np.int16, np.int32, np.int64]
    assert np.float32 in groups['float'] and np.float64 in groups['float']
    assert {t().itemsize for t in groups['int']} == {1, 2, 4, 8}


def run_trace(python):
    out = subprocess.run([python, os.path.join(ROOT, 'scripts',
                                               'loss_trace.py')],
                         check=True, capture_output=True, text=True,
                         cwd=ROOT).stdout
    return json.loads(out)


@pytest.mark.skipif(REFERENCE is None, reason=(
    'set LSTM_CHAINER_REFERENCE_PYTHON to the python of another environment '
    '(make test-numpy2 does)'))
def test_losses_match_the_reference_environment():
    here, there = run_trace(sys.executable), run_trace(REFERENCE)
    for path in ('step', 'fused'):
        for key, values in here[path].items():
            np.testing.assert_allclose(values, there[path][key], rtol=1e-4,
                                       err_msg='{} {}'.format(path, key))


def test_chainer_can_be_imported_before_the_package():
    # Under NumPy 2 Chainer alone dies on numpy.sctypes; the .pth file
    # installed with the package applies the shims when chainer comes first.
    code = ('import chainer, numpy, lstm_chainer; '
            'from lstm_chainer import compat; '
            'print(chainer.__version__, numpy.__version__, compat.APPLIED)')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith('7.8.1 ')
