"""Data: CSV files and the example data set."""
