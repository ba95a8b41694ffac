#!/usr/bin/env bash
# GPU check, for a machine with an NVIDIA GPU, CuPy and no network (such as
# the lent device: Python 3.12, NumPy 2.5, cupy-cuda13x 14). It installs the
# project and Chainer from wheels carried in wheelhouse/ (make wheelhouse
# builds them here), runs the GPU-marked tests, trains the sine/cos example
# on the GPU and prints steps/s on CPU vs GPU. Finishes within 8 minutes.
# Results go to $OUT (or ./device-check) as well as stdout.
#
#   make wheelhouse                      # here, with network
#   bash scripts/device_check.sh         # there (carry wheelhouse/)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-device-check}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
export CHAINER_CUDNN=0          # CuPy 14 has no cuDNN; these paths need none
export PIP_DISABLE_PIP_VERSION_CHECK=1
start=$SECONDS
step() { echo; echo "== $* ($((SECONDS - start)) s)"; }

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
$PY -c 'import sys, numpy, cupy; print(sys.version.split()[0], "numpy",
numpy.__version__, "cupy", cupy.__version__); print(cupy.cuda.runtime.getDeviceCount(), "GPU(s)")'

step "install the wheels of wheelhouse/ beside the machine's own NumPy and CuPy"
[ -d wheelhouse ] || { echo "wheelhouse/ is missing: run make wheelhouse where there is network, and carry it"; exit 2; }
# --target and --no-deps: nothing is resolved against an index, and the
# machine's NumPy and CuPy stay the ones in use; the project runs from here.
SITE=${SITE:-/tmp/lstm-chainer-site}
rm -rf "$SITE"
$PY -m pip install -q --no-index --no-deps --target "$SITE" wheelhouse/*.whl
export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
$PY -c 'import lstm_chainer, chainer; from chainer.backends import cuda
print("chainer", chainer.__version__, "cuda available:", cuda.available, "shims:", lstm_chainer.compat.APPLIED)'

step "GPU-marked tests"
$PY -m pytest -m gpu -q -p no:cacheprovider -rs tests 2>&1 | tee "$OUT/gpu_tests.txt"

step "sine/cos example on the GPU"
$PY examples/sine_cos.py --device @cupy:0 --out "$OUT/sine_cos_gpu" \
    --epoch 30 --seq-len 30 --support-len 0 2>&1 | tail -25 | tee "$OUT/sine_cos_gpu.txt"

step "steps/s, CPU vs GPU"
$PY benchmarks/gpu_speed.py --device @cupy:0 --seconds 3 2>&1 | tee "$OUT/gpu_speed.txt"

step "done"
