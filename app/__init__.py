"""Application factory: builds the app in short, named steps."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from app.url_converters import init_converters
from config import check_production, instance_secret


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    init_converters(app)
    app.config.from_object("config.Config")
    if config:
        app.config.update(config)
    check_production(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # one writer at a time on SQLite: wait for the lock instead of failing
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
        from app import sqlite_wal

        sqlite_wal.install()
    _ensure_instance_folder(app)
    _ensure_secret_key(app)
    _init_extensions(app)
    _register_listeners(app)
    _init_appbuilder(app)
    _init_security_hooks(app)
    _register_cli(app)
    return app


def _ensure_instance_folder(app: Flask) -> None:
    import os

    os.makedirs(app.instance_path, exist_ok=True)


def _ensure_secret_key(app: Flask) -> None:
    """No shared secret, ever: without SECRET_KEY each installation generates its own."""
    import os

    if not app.config.get("SECRET_KEY"):
        path = app.config.get("SECRET_KEY_FILE") or os.path.join(app.instance_path, "secret_key")
        app.config["SECRET_KEY"] = instance_secret(path)


def _init_extensions(app: Flask) -> None:
    import os

    from app.extensions import csrf, db, limiter, mail, migrate

    db.init_app(app)
    migrations = os.path.join(os.path.dirname(app.root_path), "migrations")
    migrate.init_app(app, db, directory=migrations, render_as_batch=True, compare_type=True)
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    import app.models  # noqa: F401  (register every model on the metadata)


def _register_listeners(app: Flask) -> None:
    """Who reacts to what, in one place (not when a module happens to be imported): the job
    handlers and the listeners on engine events. The web app, the worker and the CLI all come
    through here. Registering twice (tests build several apps) changes nothing."""
    from app.engine import departments, mail, notifications, runtime, sms, timers
    from app.records import process_link
    from app.records.quality import process as quality_process
    from app.records.parts import process as parts_process

    timers.register()  # timer jobs; the instance's timer job follows its wait states
    runtime.register()  # signals thrown by an instance reach the others
    mail.register()  # the outbox's mail and digest jobs
    sms.register()  # the outbox's text messages, when an SMS gateway is configured
    notifications.register()  # task mails and SLA reminders
    process_link.register_listeners()  # service records follow their processes
    quality_process.register_listeners()  # spot checks, inspections and maintenance visits follow theirs
    parts_process.register_listeners()  # stock moves with its steps (after the record links: a refusal refuses)
    departments.register()  # a form's department choice lists the Departments screen's departments
    from app.records.conversation import customer_wrote, outbound
    customer_wrote.register()  # a customer's message on a case tells the staff who hold it
    outbound.register()  # a reply's files go out with its mail


def _init_appbuilder(app: Flask) -> None:
    from flask_appbuilder import AppBuilder

    from app.extensions import db
    from app.lang import init_lang
    from app.views import register_views

    appbuilder = AppBuilder(update_perms=False)
    with app.app_context():
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
    init_lang(app)


def _init_security_hooks(app: Flask) -> None:
    from app.web_security import init_web_security

    init_web_security(app)


def _register_cli(app: Flask) -> None:
    from app.cli import register_cli

    register_cli(app)
