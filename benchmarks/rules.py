"""One table's combination rule replayed on a ``mcomp.py --table``: which
default would have forecast the test rows best, on the same networks.

Each series' backtest scores (``bt NAME``) go through the library's rule
(:func:`~lstm_chainer.forecasting.combination.margin_choice`, then
:func:`~lstm_chainer.forecasting.combination.guard`) with every default
and candidate set given, and the chosen candidate's test scores
(``sMAPE c:NAME``, ``MASE c:NAME``) are averaged per category.

    LSTM_CHAINER_PRETRAINED=runs/no-m3/model python benchmarks/mcomp.py \\
        --per-category 25 --jobs 2 --table m3.csv
    python benchmarks/rules.py m3.csv
"""
import argparse
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PRETRAINED = ('pretrained', 'mean_pretrained', 'pretrained3')
RULES = {
    'by season (0.9: pretrained3 without one)': ('by season', True),
    'classical, no pretrained (0.8)': ('classical', False),
    'classical, pretrained candidates': ('classical', True),
    'pretrained3 default': ('pretrained3', True),
    'mean_pretrained default': ('mean_pretrained', True),
}


def replay(table, default, with_pretrained):
    """The candidate each series' rule chooses."""
    from lstm_chainer.forecasting import combination as c
    chosen = []
    for _, row in table.iterrows():
        scores = {k[3:]: row[k] for k in row.index if k.startswith('bt ')
                  and np.isfinite(row[k])
                  and (with_pretrained or k[3:] not in PRETRAINED)}
        kept = c.default_for(row.get('season'), {
            p for name in scores for p in c.CANDIDATES[name]}) \
            if default == 'by season' else default
        if kept not in scores:
            chosen.append(None)
            continue
        chosen.append(c.guard(
            c.margin_choice(scores, int(row['origins']), kept), scores,
            c.windows(1, int(row['origins']), int(row['h']))))
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('table')
    args = parser.parse_args()
    table = pd.read_csv(args.table).dropna(subset=['origins'])
    rows = {}
    for name, (default, with_pretrained) in RULES.items():
        picks = replay(table, default, with_pretrained)
        if any(p is None for p in picks):
            continue
        for metric in ('sMAPE', 'MASE'):
            values = pd.Series([table.iloc[i]['{} c:{}'.format(metric, p)]
                                for i, p in enumerate(picks)],
                               index=table.index)
            by = values.groupby(table['category'], sort=False).mean()
            by['all'] = values.mean()
            rows[(name, metric)] = by
        with_network = pd.Series([p not in ('classical', 'theta', 'damped',
                                            'naive', 'seasonal_naive',
                                            'pretrained') for p in picks])
        rows[(name, 'network used')] = pd.Series(
            {'all': with_network.mean()})
        rows[(name, 'a network used')] = pd.Series(
            {'all': pd.Series([p != 'classical' and p not in (
                'theta', 'damped', 'naive', 'seasonal_naive')
                for p in picks]).mean()})
    out = pd.DataFrame(rows).T
    for metric in ('sMAPE', 'MASE', 'network used', 'a network used'):
        print('\n' + metric)
        print(out.xs(metric, level=1).round(3).to_string())
    if 'sMAPE AutoETS' in table:
        print('\nAutoETS sMAPE {:.3f}, MASE {:.3f} on the same series'.format(
            table['sMAPE AutoETS'].mean(), table['MASE AutoETS'].mean()))


if __name__ == '__main__':
    main()
