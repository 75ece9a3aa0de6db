"""Scrapy commands of the project (``COMMANDS_MODULE``): each replaces Scrapy's own of its name."""
