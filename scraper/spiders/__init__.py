"""The ham spider: discovery and fetching only."""
