"""Portal sign-in: a one-time link mailed to the address on the contact's record, and the portal
session it opens.

The answer to "send me a link" never says whether the address is known (no enumeration). A link
(``app.records.signed_links``, salted apart from survey and confirmation links) is valid
``PORTAL_LINK_MINUTES`` and opens one session; the session lives in its own signed cookie
(``PORTAL_COOKIE``), never in the staff session, and names its link row, so signing out or a
changed address on the contact ends it on the server."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, has_request_context, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from app.audit import audit
from app.engine import clock, mail
from app.extensions import db
from app.models import Contact
from app.models.choices import LANGUAGES
from app.portal.models import PortalLink
from app.records import signed_links

SALT = "portal-link-v1"
SESSION_SALT = "portal-session-v1"
PORTAL_COOKIE = "portal_session"
MAX_EMAIL = 200


class LinkUsed(signed_links.LinkError):
    status = 410
    reason = "used"


def link_minutes() -> int:
    return int(current_app.config.get("PORTAL_LINK_MINUTES") or 30)


def session_hours() -> float:
    return float(current_app.config.get("PORTAL_SESSION_HOURS") or 12)


def normal_address(email: str | None) -> str:
    return (email or "").strip().lower()[:MAX_EMAIL]


def _contact_for(email: str) -> Contact | None:
    """The contact whose record carries this address (the oldest, when several do)."""
    if not mail.is_address(email):
        return None
    return db.session.scalars(select(Contact).where(func.lower(func.trim(Contact.email)) == email)
                              .order_by(Contact.id).limit(1)).first()


def _ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def request_link(email: str, language: str) -> None:
    """Mail a sign-in link when ``email`` is a contact's address; do nothing visible otherwise.
    Commits (the audit row too)."""
    address = normal_address(email)
    language = language if language in LANGUAGES else mail.site_locale()
    contact = _contact_for(address)
    if contact is None:
        audit("portal_link_refused", detail="no contact has this address")
        db.session.commit()
        return
    now = clock.now()
    link = PortalLink(contact_id=contact.id, email=address, token_hash=secrets.token_hex(32),  # replaced below
                      language=language, created_at=now, expires_at=now + timedelta(minutes=link_minutes()))
    db.session.add(link)
    db.session.flush()
    token = signed_links.issue(SALT, "p", link.id)
    link.token_hash = signed_links.token_hash(token)
    context = {"name": contact.name, "customer": contact.customer.name, "link_url": link_url(token, language),
               "minutes": link_minutes()}
    mail.queue_mail("portal_sign_in", [contact.email.strip()], "portal_link", context, locale=language)
    audit("portal_link_sent", target=f"contact:{contact.id}", detail=f"link {link.id}")
    db.session.commit()


def link_url(token: str, language: str) -> str:
    path = url_for("portal.open_link", token=token, lang=language) if has_request_context() \
        else f"/portal/link/{token}?lang={language}"
    base = current_app.config.get("PUBLIC_BASE_URL") or mail.base_url()
    return base.rstrip("/") + path


def load_link(token: str) -> PortalLink:
    """The unused, unexpired link of ``token``; LinkError, LinkExpired or LinkUsed."""
    link = db.session.get(PortalLink, signed_links.row_id(SALT, token, "p", 86400))
    if link is None or not signed_links.matches(link.token_hash, token):
        raise signed_links.LinkError()
    if link.used_at is not None:
        raise LinkUsed()
    if clock.now() >= link.expires_at:
        raise signed_links.LinkExpired()
    return link


def sign_in(token: str) -> str:
    """Use the link (once: a conditional UPDATE, two tabs cannot both win) and return the value
    of the portal session cookie. Raises what ``load_link`` raises. Commits."""
    link = load_link(token)
    now = clock.now()
    won = db.session.execute(
        update(PortalLink).where(PortalLink.id == link.id, PortalLink.used_at.is_(None))
        .values(used_at=now, used_ip=(_ip() or "")[:64] or None,
                session_ends_at=now + timedelta(hours=session_hours()))
        .execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        db.session.rollback()
        raise LinkUsed()
    audit("portal_sign_in", target=f"contact:{link.contact_id}", detail=f"link {link.id}")
    db.session.commit()
    return _sessions().dumps({"l": link.id})


def _sessions() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SESSION_SALT)


def session_link(cookie: str | None) -> PortalLink | None:
    """The link row of a live portal session cookie, else None."""
    if not cookie or len(cookie) > signed_links.MAX_TOKEN_LENGTH:
        return None
    try:
        data = _sessions().loads(cookie, max_age=int(session_hours() * 3600))
    except BadSignature:
        return None
    link_id = data.get("l") if isinstance(data, dict) else None
    link = db.session.get(PortalLink, link_id) if isinstance(link_id, int) else None
    if link is None or link.used_at is None or link.signed_out_at is not None or link.session_ends_at is None \
            or clock.now() >= link.session_ends_at:
        return None
    if normal_address(link.contact.email) != link.email:
        return None  # the address on the record changed: the link's owner is no longer this contact
    return link


def sign_out(link: PortalLink) -> None:
    link.signed_out_at = clock.now()
    audit("portal_sign_out", target=f"contact:{link.contact_id}", detail=f"link {link.id}")
    db.session.commit()
