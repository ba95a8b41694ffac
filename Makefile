# Two commands do everything on a fresh machine with Python 3.9-3.11 and pip:
#   make example   set up .venv and run examples/sine_cos.py end to end
#   make test      set up .venv, run ruff and the test suite
# The environment is rebuilt only when a dependency file changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check
OUT ?= result

.PHONY: example test lint venv clean

venv: $(STAMP)

$(STAMP): setup.py requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 9) <= v < (3, 12) else "Chainer 7.8.1 needs Python 3.9-3.11; run make PYTHON=python3.11 ... (found %d.%d)" % v)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -c constraints.txt 'setuptools<81' wheel 'numpy<2'
	$(PIP) install --no-build-isolation -c constraints.txt -r requirements-dev.txt
	$(PIP) install --no-build-isolation --no-deps -e .
	touch $(STAMP)

example: $(STAMP)
	$(BIN)/python examples/sine_cos.py --out $(OUT) $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest $(ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
