"""ham-archive: an open archive of the press releases of ham.go.id."""

__version__ = "0.1.0"
