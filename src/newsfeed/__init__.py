"""newsfeed: an event-driven publishing backend for newsrooms."""

__version__ = "0.1.0"
