"""Flask CLI commands: thin callers of services."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def register_cli(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(deploy_workflows_command)
    app.cli.add_command(mail_in_command)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create role rows and permissions (run after `flask db upgrade`)."""
    from app.setup import init_security

    init_security()
    click.echo("roles and permissions are up to date")


@click.command("seed-demo")
@click.option("--quiet", is_flag=True)
@with_appcontext
def seed_demo_command(quiet: bool) -> None:
    """Load the demo organisation, users, records and live processes (idempotent)."""
    from app.demo import seed_demo
    from app.setup import init_security

    init_security()
    seeded = seed_demo()
    if quiet:
        return
    for key, version, created in seeded.deployed:
        click.echo(f"  {key} v{version}: {'deployed' if created else 'unchanged'}")
    click.echo(f"  demo records: {seeded.records or 'already there'}")
    click.echo(f"  demo processes: {seeded.processes}")
    password = current_app.config["DEMO_PASSWORD"]
    click.echo("Demo users (for the demo only; password for all: %s)" % password)
    for username, role in seeded.users:
        click.echo(f"  {username:<12} {role}")


def _deploy_shipped() -> None:
    import os

    from app.engine import definitions
    from app.engine.actor import Actor

    folder = os.path.join(os.path.dirname(current_app.root_path), "workflows")
    for d in definitions.deploy_directory(folder, actor=Actor.system()):
        state = "deployed" if d.created else "unchanged"
        click.echo(f"  {d.definition.key} v{d.definition.version}: {state}")


@click.command("deploy-workflows")
@with_appcontext
def deploy_workflows_command() -> None:
    """Deploy every diagram in workflows/ (identical versions are skipped)."""
    _deploy_shipped()


@click.command("worker")
@click.option("--poll", default=1.0, show_default=True, type=float, help="Seconds to wait when no job is due.")
@click.option("--batch", default=25, show_default=True, type=int,
              help="Jobs leased per pass, run in one transaction.")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then exit.")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@with_appcontext
def worker_command(poll: float, batch: int, once: bool, log_level: str) -> None:
    """Run background jobs: timers, mails, digests, SLA reminders (Ctrl-C stops)."""
    import logging

    from app.engine.worker import Worker

    # Our loggers at the chosen level; libraries (SpiffWorkflow logs every task change at INFO) at WARNING.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("app").setLevel(log_level.upper())
    worker = Worker(current_app._get_current_object(), poll=poll, batch=batch)
    worker.install_signal_handlers()
    done = worker.run(once=once)
    if once:
        click.echo(f"{done} job(s) done")


@click.command("mail-in")
@click.option("--host", default=None, help="Address to listen on (INBOUND_SMTP_HOST, 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to listen on (INBOUND_SMTP_PORT, 2525).")
@with_appcontext
def mail_in_command(host: str | None, port: int | None) -> None:
    """Receive customer mail over SMTP: requests, replies to cases, the triage list (Ctrl-C stops)."""
    import logging

    from app.records.conversation import smtp_in

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line at INFO
    smtp_in.serve(current_app._get_current_object(), host, port)
