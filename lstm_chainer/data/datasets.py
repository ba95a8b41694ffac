"""Example data."""
import numpy as np
import pandas as pd


def sine_cos(n=200, train_ratio=0.75):
    """The article's series: ``0.8 sin(2t)`` and ``0.8 cos(t)``.

    Args:
        n (int): Number of points over ``t = linspace(0, 8 pi, n)``.
        train_ratio (float): Leading fraction used for training.

    Returns:
        tuple: ``(train, test)`` DataFrames with columns ``sin`` and ``cos``;
        ``test`` keeps its time positions as index.
    """
    t = np.linspace(0, 8 * np.pi, n)
    data = pd.DataFrame({'sin': 0.8 * np.sin(2 * t), 'cos': 0.8 * np.cos(t)})
    split = int(n * train_ratio)
    return data.iloc[:split], data.iloc[split:]
