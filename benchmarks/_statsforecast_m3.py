"""statsforecast's AutoETS, AutoTheta, Theta, seasonal naive and naive on series
given as JSON on standard input; their forecasts and CPU seconds as JSON on
standard output.

Run by ``mcomp.py`` in its own environment (statsforecast's NumPy may not be
Chainer's): ``[{"id": ..., "y": [...], "season": m, "h": h}, ...]`` in,
``{"forecasts": {id: {method: [...]}}, "cpu_s": {method: s}}`` out.
"""
import json
import os
import sys
import time
import warnings

os.environ.setdefault('OMP_NUM_THREADS', '1')
os.environ.setdefault('NUMBA_NUM_THREADS', '1')


def main():
    import numpy as np
    from statsforecast.models import (
        AutoETS,
        AutoTheta,
        Naive,
        SeasonalNaive,
        Theta,
    )

    series = json.load(sys.stdin)
    methods = {
        'AutoETS': lambda m: AutoETS(season_length=m),
        'AutoTheta': lambda m: AutoTheta(season_length=m),
        'Theta': lambda m: Theta(season_length=m),
        'SeasonalNaive': lambda m: SeasonalNaive(season_length=m),
        'Naive': lambda m: Naive(),
    }
    # Numba compiles on the first call: warm every method up before timing.
    warm = np.arange(1.0, 41.0) + np.sin(np.arange(40.0))
    for make in methods.values():
        make(4).forecast(warm, 4)
    forecasts = {s['id']: {} for s in series}
    cpu = {}
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for name, make in methods.items():
            start = time.process_time()
            for s in series:
                y = np.asarray(s['y'], dtype=np.float64)
                out = make(s['season']).forecast(y, s['h'])['mean']
                forecasts[s['id']][name] = [float(v) for v in out]
            cpu[name] = time.process_time() - start
    json.dump({'forecasts': forecasts, 'cpu_s': cpu}, sys.stdout)


if __name__ == '__main__':
    main()
