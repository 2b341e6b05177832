"""Builders for the portal tests: a customer with its own contact address, the shipped processes,
and signing in the way a customer does (ask for a link, read it from the outbox, open it)."""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

from app.engine import definitions
from app.engine.actor import Actor
from app.extensions import db
from app.models import MailOutbox
from tests.conftest import csrf_token, new_client
from tests.records_helpers import make_customer

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def deploy_shipped(app) -> None:
    with app.app_context():
        owner = Actor.from_user(app.appbuilder.sm.find_user(username="owner"))
        definitions.deploy_directory(WORKFLOWS, actor=owner)
        db.session.commit()


def portal_customer(app, prefix: str = "门户客户") -> tuple[int, int, str]:
    """(customer_id, contact_id, e-mail) with an address no other test uses."""
    email = f"p-{uuid.uuid4().hex[:10]}@example.com"
    customer_id, contact_id, _name = make_customer(app, prefix=prefix, email=email)
    return customer_id, contact_id, email


def last_link(app, email: str) -> str:
    """The sign-in link of the newest portal mail to ``email``."""
    with app.app_context():
        rows = db.session.scalars(select(MailOutbox).where(MailOutbox.kind == "portal_sign_in")
                                  .order_by(MailOutbox.id.desc())).all()
        row = next(r for r in rows if email in r.recipients)
        return re.search(r"https?://\S+/portal/link/\S+", row.body_text).group(0)


def ask_link(client, email: str):
    return client.post("/portal/sign-in", data={"email": email, "csrf_token": csrf_token(client, "/portal/sign-in")})


def signed_in(app, email: str):
    """A test client signed in to the portal as the contact with ``email``."""
    client = new_client(app)
    assert ask_link(client, email).status_code == 200
    link = urlsplit(last_link(app, email))
    path = link.path + "?" + link.query
    resp = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/portal/"), resp.status_code
    return client
