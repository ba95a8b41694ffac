import numpy as np
import pandas as pd
import pytest

import lstm_chainer as lc
from lstm_chainer.forecasting.preprocessing.selection import (
    choose_column,
    choose_transforms,
    default_horizon,
    default_season,
    kpss,
    seasonal_strength,
)


@pytest.mark.parametrize('freq,season,horizon', [
    ('MS', 12, 18), ('ME', 12, 18), ('QS-OCT', 4, 8), ('QE-DEC', 4, 8),
    ('W-SUN', 52, 13), ('D', 7, 14), ('h', 24, 48), ('YS-JAN', None, 6),
    (None, None, 10), ('2D', None, 10), ('nonsense', None, 10)])
def test_defaults_from_the_time_step(freq, season, horizon):
    assert default_season(freq) == season
    assert default_horizon(freq) == horizon


def series():
    rng = np.random.RandomState(0)
    t = np.arange(240)
    season = 5 * np.sin(2 * np.pi * t / 12)
    return {
        'noise': rng.randn(240),
        'walk': np.cumsum(rng.randn(240)),
        'trend': 0.5 * t + rng.randn(240),
        'seasonal walk': np.cumsum(rng.randn(240)) * 0.3 + season
        + 0.5 * rng.randn(240),
        'seasonal level': season + rng.randn(240),
    }


def test_kpss_and_seasonal_strength():
    s = series()
    assert kpss(s['noise']) < 0.35 and kpss(s['trend']) > 2
    assert kpss(np.ones(10)) == 0.0
    assert seasonal_strength(s['seasonal level'], 12) > 0.8
    assert seasonal_strength(s['noise'], 12) < 0.3


@pytest.mark.parametrize('name,expected', [
    ('noise', 'none'), ('walk', 'diff'), ('trend', 'diff'),
    ('seasonal walk', 'seasonal-diff'), ('seasonal level', 'none')])
def test_choice_per_column(name, expected):
    assert choose_column(series()[name], season=12)[0] == expected


def test_choose_transforms_reports_why():
    frame = pd.DataFrame(series())
    transformer, report = choose_transforms(frame, season=12)
    assert transformer.names == ['none', 'diff', 'diff', 'seasonal-diff',
                                 'none']
    assert list(report.index) == list(frame.columns)
    assert {'kpss', 'seasonal strength', 'transform'} <= set(report.columns)
    # Without a season, seasonal differences are never chosen.
    assert choose_transforms(frame)[0].names[3] == 'diff'


@pytest.mark.parametrize('freq,rows,season,horizon', [
    ('30min', 2000, 48, 48), ('5min', 2400, 288, 288), ('15min', 800, 96, 96),
    ('2h', 200, 12, 12), ('10s', 2400, 360, 360), ('h', 400, 24, 48)])
def test_sub_hourly_data_get_a_daily_season_and_a_day_ahead(freq, rows,
                                                             season, horizon):
    index = pd.date_range('2024-01-01', periods=rows, freq=freq)
    t = np.arange(rows)
    data = pd.DataFrame({'load': np.sin(2 * np.pi * t / season)
                         + 0.01 * t}, index=index)
    train, test = lc.split_series(data, 0.3)
    chosen = lc.resolve_settings(data, train, test).settings
    assert (chosen.season, chosen.horizon) == (season, horizon)
    assert lc.time_step(data.index) == freq


def _seasonal(kind, n=144, seed=0):
    t = np.arange(n)
    rng = np.random.RandomState(seed)
    if kind == 'multiplicative':  # the swing grows with the level
        return np.exp(0.01 * t) * 100 * (1 + 0.25 * np.sin(2 * np.pi * t / 12)) \
            * (1 + 0.02 * rng.randn(n))
    return 100 + 0.7 * t + 25 * np.sin(2 * np.pi * t / 12) + 2 * rng.randn(n)


def test_a_swing_that_grows_with_the_level_is_logged_before_differencing():
    from lstm_chainer.forecasting.preprocessing.selection import choose_column, guerrero
    assert guerrero(_seasonal('multiplicative'), 12) < 0.15
    assert guerrero(_seasonal('additive'), 12) > 0.9
    name, stats = choose_column(_seasonal('multiplicative'), 12)
    assert name == 'log-seasonal-diff' and stats['lambda'] < 0.15
    assert choose_column(_seasonal('additive'), 12)[0] == 'seasonal-diff'
    # A swing that grows like level ** 0.75 gets Box-Cox with Guerrero's
    # lambda (near 1 - 0.75); without a season nothing is stabilised.
    t = np.arange(200)
    rng = np.random.RandomState(2)
    level = 50 + 3 * t
    values = level + level ** 0.75 * (0.8 * np.sin(2 * np.pi * t / 12)
                                      + 0.1 * rng.randn(200))
    name, stats = choose_column(values, 12)
    assert name.startswith('boxcox(') and name.endswith(')-diff')
    assert 0.15 < stats['lambda'] <= 0.5
    assert choose_column(values)[0] == 'diff'
    assert 'lambda' not in choose_column(values)[1]
    # Not positive: never stabilised.
    assert not choose_column(_seasonal('additive') - 1000, 12)[0] \
        .startswith(('log', 'boxcox'))
