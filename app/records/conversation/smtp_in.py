"""The inbound SMTP endpoint (``flask mail-in``): an aiosmtpd server on INBOUND_SMTP_HOST
(127.0.0.1 by default: a relay such as Postfix faces the internet) and INBOUND_SMTP_PORT that
hands each mail to ``inbound.receive``. SMTP answers: 250 once the mail is stored (or knowingly
ignored), 552 when too large, 451 (try again later) when the database failed, so the relay keeps
the mail and retries: nothing is dropped silently."""
from __future__ import annotations

import asyncio
import logging

from flask import Flask

from app.extensions import db
from app.records.conversation import inbound

log = logging.getLogger(__name__)
DEFAULT_PORT = 2525


class InboundHandler:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def _receive(self, raw: bytes, envelope_from: str | None) -> str:
        with self.app.app_context():
            try:
                outcome = inbound.receive(raw, envelope_from)
            except Exception:
                db.session.rollback()
                log.exception("inbound mail from %s could not be stored", envelope_from)
                return "451 4.3.0 Temporary failure, try again later"
            finally:
                db.session.remove()
        if outcome.state == "too_large":
            return "552 5.3.4 Message too big"
        return f"250 2.0.0 OK {outcome.state}"

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._receive, raw, envelope.mail_from)


def controller(app: Flask, host: str | None = None, port: int | None = None):
    """A started-on-demand aiosmtpd Controller (call ``.start()`` / ``.stop()``)."""
    from aiosmtpd.controller import Controller

    host = host or app.config.get("INBOUND_SMTP_HOST") or "127.0.0.1"
    port = int(port or app.config.get("INBOUND_SMTP_PORT") or DEFAULT_PORT)
    limit = int(app.config.get("INBOUND_MAX_BYTES") or inbound.DEFAULT_MAX_BYTES)
    return Controller(InboundHandler(app), hostname=host, port=port, data_size_limit=limit,
                      server_hostname=app.config.get("INBOUND_SMTP_HOSTNAME") or None)


def serve(app: Flask, host: str | None = None, port: int | None = None) -> None:
    """Run the endpoint until SIGTERM/SIGINT."""
    import signal
    import threading

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server = controller(app, host, port)
    server.start()
    log.info("inbound mail endpoint on %s:%s", server.hostname, server.port)
    try:
        while not stop.wait(1):  # wakes up to see a signal promptly
            pass
    finally:
        server.stop()
