"""The Alembic configuration the migration tests run with: the repository's ``alembic.ini`` on a
given database URL, Alembic's own logging configuration left alone (pytest captures the logs)."""

from __future__ import annotations

from alembic.config import Config

from app.cli import ROOT


def alembic_config(url: str) -> Config:
    """``alembic.ini`` pointed at ``url`` (``env.py`` reads ``attributes["url"]``)."""
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["url"] = url
    config.attributes["configure_logger"] = False
    return config
