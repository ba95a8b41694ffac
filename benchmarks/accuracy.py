"""Forecast quality: the LSTM against persistence and a linear AR model.

Three data sets: the article's sine/cos series, the same with Gaussian noise
(sd 0.05) on the training part only, and the chaotic Lorenz-63 system
(sigma 10, rho 28, beta 8/3, dt 0.01, RK4), generated here and standardised.
Every model forecasts recursively from every test window after the same
warm-up (``context`` known values); the table gives the RMSE per horizon
(all variables, standardised units for Lorenz) and, for Lorenz, the valid
prediction time: steps until the normalised error first exceeds 0.4, in
Lyapunov times (largest exponent 0.906, so about 110 steps each), median
over the test starting points.

    python benchmarks/accuracy.py                  # all three (~12 minutes)
    python benchmarks/accuracy.py --only sine_cos  # one data set
"""
import argparse
import tempfile
import time

import numpy as np
import pandas as pd

import lstm_chainer as lc  # noqa: E402
from lstm_chainer.core.schedules import Curriculum  # noqa: E402

LYAPUNOV_EXPONENT = 0.906
DT = 0.01

# The recommended settings, one per data set (see the README).
SETTINGS = {
    'sine_cos': dict(n_units=100, seq_len=30, batch_size=10, epochs=600,
                     curriculum=(29, 0, 200), grad_clip=1.0, context=1,
                     horizons=(1, 5, 10, 20), ar_order=1),
    'noisy': dict(n_units=100, seq_len=30, batch_size=10, epochs=600,
                  curriculum=(29, 0, 200), grad_clip=1.0, context=1,
                  horizons=(1, 5, 10, 20), ar_order=1),
    'lorenz': dict(n_units=100, seq_len=50, batch_size=32, epochs=120,
                   curriculum=(49, 10, 60), grad_clip=1.0, residual=True,
                   lr_decay=(0.7, 12), context=50,
                   horizons=(1, 10, 50, 110, 220), ar_order=5,
                   vpt_steps=1000, vpt_starts=100),
}


def lorenz(n, dt=DT, transient=2000, state=(1.0, 1.0, 1.0)):
    """``n`` RK4 steps of Lorenz-63 after ``transient`` discarded ones."""
    sigma, rho, beta = 10.0, 28.0, 8.0 / 3.0

    def f(v):
        x, y, z = v
        return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])

    v = np.array(state, dtype=np.float64)
    out = np.empty((n, 3))
    for i in range(transient + n):
        k1 = f(v)
        k2 = f(v + 0.5 * dt * k1)
        k3 = f(v + 0.5 * dt * k2)
        k4 = f(v + dt * k3)
        v = v + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if i >= transient:
            out[i - transient] = v
    return out


def datasets(names):
    train, test = lc.sine_cos()
    rng = np.random.RandomState(0)
    result = {}
    if 'sine_cos' in names:
        result['sine_cos'] = (train, test)
    if 'noisy' in names:
        result['noisy'] = (train + rng.normal(0, 0.05, train.shape), test)
    if 'lorenz' in names:
        data = pd.DataFrame(lorenz(8000), columns=['x', 'y', 'z'])
        raw_train, raw_test = data.iloc[:5000], data.iloc[5000:]
        scaler = lc.Scaler.fit(raw_train)
        result['lorenz'] = (scaler.transform(raw_train),
                            scaler.transform(raw_test))
    return result


def train_lstm(train, test, cfg, seed, out):
    trainer = lc.get_trainer(
        train, cfg['n_units'], seq_len=cfg['seq_len'],
        batch_size=cfg['batch_size'],
        support_len=Curriculum(*cfg['curriculum']),
        epoch=cfg['epochs'], snap=cfg['epochs'], out=out, seed=seed,
        grad_clip=cfg['grad_clip'], residual=bool(cfg.get('residual')),
        progress=False, print_report=False)
    if cfg.get('lr_decay'):
        # Adam's step size times `rate` every `every` epochs (Chainer's
        # ExponentialShift; its state is in snapshots).
        from chainer.training.extensions import ExponentialShift
        rate, every = cfg['lr_decay']
        trainer.extend(ExponentialShift('alpha', rate),
                       trigger=(every, 'epoch'))
    start = time.perf_counter()
    trainer.run()
    return trainer.updater.predictor, time.perf_counter() - start


def windows(test, length, starts=None):
    """Windows of ``length`` values in ``test``: ``(length, n, vars)``.

    ``starts`` selects their first rows (default: every window).
    """
    array = np.asarray(test, dtype=np.float32)
    if starts is None:
        starts = np.arange(len(array) - length + 1)
    return array[starts[None, :] + np.arange(length)[:, None]]


def horizon_errors(model, test, context, horizon, starts=None):
    """Error vectors ``(horizon, windows, vars)`` of recursive forecasts.

    ``model`` is a one-step model, or ``None`` for persistence (the last
    known value repeated).
    """
    win = windows(test, context + horizon, starts)
    if model is None:
        outputs = np.repeat(win[context - 1:context], horizon, axis=0)
        return outputs - win[context:]
    outputs = lc.forecast_windows(model, win[:-1], context + horizon - 1,
                                  s=context - 1)
    return outputs[context - 1:] - win[context:]


def rmse_by_horizon(errors, horizons):
    return [float(np.sqrt((errors[h - 1] ** 2).mean())) for h in horizons]


def valid_prediction_time(errors, truth_scale):
    """Median, over windows, of the first step with error > 0.4 (in LT)."""
    norm = np.sqrt((errors ** 2).sum(axis=2)) / truth_scale
    exceeded = norm > 0.4
    steps = np.where(exceeded.any(axis=0), exceeded.argmax(axis=0),
                     len(norm))
    return float(np.median(steps) * DT * LYAPUNOV_EXPONENT)


def evaluate(name, train, test, cfg, seed):
    rows = []
    with tempfile.TemporaryDirectory() as out:
        lstm, seconds = train_lstm(train, test, cfg, seed, out)
    models = [('LSTM', lstm, seconds), ('persistence', None, 0.0),
              ('linear AR({})'.format(cfg['ar_order']),
               lc.LinearAR(cfg['ar_order'], train.shape[1]).fit(train), 0.0)]
    vpt_steps = cfg.get('vpt_steps')
    horizon = max(max(cfg['horizons']), vpt_steps or 0)
    context = cfg['context']
    starts = None
    if vpt_steps:
        # Evenly spaced starting points, as many as asked for.
        n = len(test) - context - horizon + 1
        starts = np.linspace(0, n - 1, min(cfg['vpt_starts'], n)).astype(int)
    truth_scale = float(np.sqrt((np.asarray(test) ** 2).sum(axis=1).mean()))
    for label, model, seconds in models:
        errors = horizon_errors(model, test, context, horizon, starts)
        row = {'data': name, 'model': label, 'train_s': seconds}
        for h, value in zip(cfg['horizons'],
                            rmse_by_horizon(errors, cfg['horizons'])):
            row['h{}'.format(h)] = value
        if vpt_steps:
            row['VPT (Lyapunov times)'] = valid_prediction_time(
                errors, truth_scale)
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', action='append', choices=list(SETTINGS),
                        help='run this data set (repeatable; default all)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--set', action='append', default=[],
                        metavar='KEY=VALUE',
                        help='override a setting, e.g. epochs=50 or '
                        'curriculum=29,0,100 (experiments)')
    args = parser.parse_args()
    names = args.only or list(SETTINGS)
    tables = []
    for name, (train, test) in datasets(names).items():
        cfg = dict(SETTINGS[name])
        for item in args.set:
            key, value = item.split('=', 1)
            value = tuple(float(v) if '.' in v else int(v)
                          for v in value.split(','))
            cfg[key] = value if len(value) > 1 else value[0]
        print('training on {} ...'.format(name), flush=True)
        tables.append(pd.DataFrame(evaluate(name, train, test, cfg,
                                            args.seed)))
    table = pd.concat(tables, ignore_index=True)
    print('\nRMSE of recursive forecasts per horizon step (columns h1, h5, '
          '...), training seconds, seed {}\n'.format(args.seed))
    print(markdown(table))


def markdown(table):
    """A DataFrame as a Markdown table (numbers to 4 significant digits)."""
    def cell(value):
        if isinstance(value, float):
            return '' if np.isnan(value) else '{:.4g}'.format(value)
        return str(value)
    lines = ['| ' + ' | '.join(table.columns) + ' |',
             '|' + '---|' * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append('| ' + ' | '.join(cell(v) for v in row) + ' |')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
