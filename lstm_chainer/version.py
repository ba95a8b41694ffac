"""The package's version (a module of its own: the saved record reads it
without importing the package)."""
__version__ = '0.8.0.dev0'
