from setuptools import find_packages, setup

setup(
    name='lstm_chainer',
    version='0.1.0',
    description='LSTMs for multivariate time series with Chainer: '
                'recursive multi-step forecasting',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['lstm_chainer', 'lstm_chainer.*']),
    python_requires='>=3.9',
    install_requires=[
        'chainer==7.8.1',
        'numpy>=1.21,<2',
        'setuptools<81',  # Chainer imports pkg_resources at run time
        'pandas>=1.5',
        'matplotlib>=3.6',
    ],
    entry_points={
        'console_scripts': ['lstm-chainer = lstm_chainer.cli:main'],
    },
    extras_require={
        'test': ['pytest>=7', 'ruff>=0.4'],
    },
)
