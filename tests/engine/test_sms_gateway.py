"""Text messages through an SMS gateway: a real HTTP peer on loopback receives them.

《機器人集成公司客戶服務優化管理制度》第十一條(三) "填寫現場服務記錄表,由客戶簽字確認" and 第十三條(二)
"通過線上問卷、電話回訪、現場簽字確認等方式,收集客戶對服務質量的評價意見": the customer's confirmation link
reaches their phone as a text message; with a gateway configured it is sent, not only recorded."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.engine import jobs, sms
from app.extensions import db
from app.models import Job, MailOutbox
from tests.engine.ops_support import clean_jobs  # noqa: F401  (fixture)


class Gateway:
    """A loopback HTTP server that records each POST and answers ``status``."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, str | None]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                gateway.received.append((json.loads(self.rfile.read(length)), self.headers.get("Authorization")))
                self.send_response(gateway.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(app, clean_jobs):  # noqa: F811
    peer = Gateway()
    app.config.update(SMS_GATEWAY_URL=peer.url, SMS_GATEWAY_TOKEN="s3cret")
    yield peer
    app.config.update(SMS_GATEWAY_URL="", SMS_GATEWAY_TOKEN="")
    peer.close()


def _row(message_id: str) -> MailOutbox:
    db.session.expire_all()
    return db.session.scalars(select(MailOutbox).filter_by(message_id=message_id)).one()


def test_a_text_message_is_sent_through_the_gateway_once(gateway):
    message_id = sms.send_sms("138 1234 5678", "请确认服务记录 https://example.com/c/abc", kind="confirmation")
    db.session.commit()
    assert _row(message_id).state == "pending" and _row(message_id).channel == "sms"
    jobs.run_due_jobs("w")
    assert gateway.received == [({"id": message_id, "to": "138 1234 5678",
                                  "text": "请确认服务记录 https://example.com/c/abc"}, "Bearer s3cret")]
    row = _row(message_id)
    assert row.state == "sent" and row.sent_at is not None and row.attempts == 1
    jobs.run_due_jobs("w")  # nothing left to send: sent once
    assert len(gateway.received) == 1


def test_a_refusing_gateway_is_retried_and_the_error_kept(gateway):
    gateway.status = 503
    message_id = sms.send_sms("13812345678", "text", kind="confirmation")
    db.session.commit()
    jobs.run_due_jobs("w")
    row = _row(message_id)
    assert row.state == "pending" and row.attempts == 1 and "503" in row.last_error
    job = db.session.scalars(select(Job).where(Job.kind == "sms", Job.payload["message_id"].as_string() == message_id)
                             ).one()
    assert job.state == "pending" and job.attempts == 1  # retried later, with back-off


def test_without_a_gateway_the_message_is_recorded_not_sent(app, clean_jobs):  # noqa: F811
    assert not app.config.get("SMS_GATEWAY_URL")
    message_id = sms.send_sms("13812345678", "text", kind="confirmation")
    db.session.commit()
    assert _row(message_id).state == "recorded"
    assert db.session.scalar(select(Job.id).where(Job.kind == "sms")) is None or all(
        j.payload.get("message_id") != message_id for j in db.session.scalars(select(Job).where(Job.kind == "sms")))
