"""Real series shipped offline by statsmodels, as dated DataFrames."""
import warnings

import numpy as np
import pandas as pd


def _sm():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        import statsmodels.api as sm
    return sm


def _quarters(frame):
    return pd.PeriodIndex.from_fields(
        year=frame['year'].astype(int), quarter=frame['quarter'].astype(int),
        freq='Q').to_timestamp()


def macro():
    """US real GDP, consumption, investment (quarterly 1959-2009): trends."""
    d = _sm().datasets.macrodata.load_pandas().data
    return d[['realgdp', 'realcons', 'realinv']].set_index(_quarters(d))


def macro_rates():
    """US CPI, unemployment, 3-month T-bill rate (quarterly): mixed."""
    d = _sm().datasets.macrodata.load_pandas().data
    return d[['cpi', 'unemp', 'tbilrate']].set_index(_quarters(d))


def co2():
    """Mauna Loa CO2, monthly means 1958-2001: trend and season."""
    d = _sm().datasets.co2.load_pandas().data
    monthly = d['co2'].resample('MS').mean().interpolate()
    return monthly.to_frame('co2')


def elec_equip():
    """Euro-area electrical equipment orders, monthly 1995-2016: season,
    cycle."""
    _sm()
    from statsmodels.datasets import elec_equip as data
    d = data.load_pandas().data
    d.columns = ['orders']
    d.index = pd.DatetimeIndex(d.index).to_period('M').to_timestamp()
    return d


def elnino():
    """Pacific sea-surface temperature, monthly 1950-2010: season, noise."""
    d = _sm().datasets.elnino.load_pandas().data
    values = d.drop(columns='YEAR').to_numpy().ravel()
    index = pd.date_range('{}-01-01'.format(int(d['YEAR'].iloc[0])),
                          periods=len(values), freq='MS')
    return pd.DataFrame({'sst': values}, index=index)


def sunspots():
    """Yearly sunspot numbers 1700-2008: an 11-year cycle, noisy."""
    d = _sm().datasets.sunspots.load_pandas().data
    index = pd.to_datetime(d['YEAR'].astype(int).astype(str), format='%Y')
    return pd.DataFrame({'sunspots': d['SUNACTIVITY'].to_numpy()},
                        index=pd.DatetimeIndex(index, freq='YS'))


def nile():
    """Annual flow of the Nile 1871-1970: noisy level with a break."""
    d = _sm().datasets.nile.load_pandas().data
    index = pd.to_datetime(d['year'].astype(int).astype(str), format='%Y')
    return pd.DataFrame({'volume': d['volume'].to_numpy(np.float64)},
                        index=pd.DatetimeIndex(index, freq='YS'))


DATASETS = {'macro': macro, 'macro_rates': macro_rates, 'co2': co2,
            'elec_equip': elec_equip, 'elnino': elnino,
            'sunspots': sunspots, 'nile': nile}
