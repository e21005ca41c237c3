"""Extension objects, unbound; :func:`cxroi.factory.create_app` binds them to an app."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Constraint names that Alembic can refer to on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model in ``models/``: models subclass it directly.

    ``db.Model`` is the same registry and metadata at run time (Flask-SQLAlchemy builds
    it from this class), but a type checker sees it as a variable, not a class, so a
    model on ``db.Model`` is untyped. Models on ``Base`` are SQLAlchemy 2.0 typed
    classes (``Mapped[...]`` columns), and ``db.metadata``, ``db.create_all()`` and the
    Alembic migrations see them all the same. Nothing uses Flask-SQLAlchemy's
    ``Model.query``: queries go through ``db.session``.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)
