"""Running the Alembic migrations from the app (``cxroi init-db``) and from tests."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from flask import Flask

from cxroi.config import ROOT
from cxroi.extensions import db

MIGRATIONS = ROOT / "migrations"


def alembic_config() -> Config:
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade_to_head(app: Flask) -> None:
    """Bring the app's database to the latest schema; doing it twice changes nothing."""
    with app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def autogenerate(app: Flask, message: str) -> None:  # pragma: no cover - a developer's tool
    with app.app_context(), db.engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True)
