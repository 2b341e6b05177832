"""Flask CLI commands: thin callers of services."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def register_cli(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(seed_demo_command)


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
    """Load the demo organisation and users (idempotent)."""
    from app.setup import init_security, seed_demo

    init_security()
    users = seed_demo()
    if not quiet:
        password = current_app.config["DEMO_PASSWORD"]
        click.echo("Demo users (for the demo only; password for all: %s)" % password)
        for username, role in users:
            click.echo(f"  {username:<12} {role}")
