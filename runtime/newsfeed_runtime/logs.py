"""How newsfeed processes log: one format for every process, the CLI's and their children."""

from __future__ import annotations

import logging

__all__ = ["configure_logging"]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    logging.getLogger("newsfeed.faststream").setLevel(logging.WARNING)  # per-message lines
