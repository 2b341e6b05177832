"""Flask CLI commands: thin callers of services."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def register_cli(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(deploy_workflows_command)


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
    _deploy_shipped()
    if not quiet:
        password = current_app.config["DEMO_PASSWORD"]
        click.echo("Demo users (for the demo only; password for all: %s)" % password)
        for username, role in users:
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
