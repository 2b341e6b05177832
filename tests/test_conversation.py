"""One conversation per record: messages in every channel, internal notes, files checked by content.

《機器人集成公司客戶服務優化管理制度》第十一條(一) "客戶通過電話、郵件、線上服務平臺等渠道提交售後需求後,
客戶服務專員需在30分鐘內完成需求受理"; 《空調部門客户服务管理制度》 consultation response time runs from the
customer's first contact to the first reply."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.engine.errors import Invalid
from app.extensions import db
from app.models import ConversationMessage, ServiceRequest
from app.records.conversation import service
from app.records.conversation.service import Upload
from tests.records_helpers import make_customer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _request(app) -> ServiceRequest:
    customer_id, _contact, _name = make_customer(app)
    request = ServiceRequest(number=f"SR-CONV-{customer_id}", customer_id=customer_id, subject="Robot stops")
    db.session.add(request)
    db.session.flush()
    return request


def test_thread_orders_messages_and_hides_internal_notes_from_the_customer(app_ctx):
    request = _request(app_ctx)
    t0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    service.post(record=request, channel="email", direction="in", body="It stops", at=t0)
    service.post(record=request, channel="note", direction="internal", body="Check the PLC", author_id=None,
                 at=t0 + timedelta(minutes=5))
    service.post(record=request, channel="email", direction="out", body="We are on it",
                 at=t0 + timedelta(minutes=30))
    everything = service.thread("service_request", request.id)
    assert [m.direction for m in everything] == ["in", "internal", "out"]
    assert [m.body for m in service.thread("service_request", request.id, include_internal=False)] == [
        "It stops", "We are on it"]
    assert service.first_contact_at("service_request", request.id) == t0
    assert service.first_reply_at("service_request", request.id) == t0 + timedelta(minutes=30)
    assert request.first_reply_at == t0 + timedelta(minutes=30)  # the response-time KPI reads it


def test_files_are_checked_by_content_and_a_refused_file_records_nothing(app_ctx):
    request = _request(app_ctx)
    message = service.post(record=request, channel="portal", direction="in", body="photo",
                           attachments=[Upload("../../fault.png", PNG)])
    assert [(a.filename, a.content_type, a.size) for a in message.attachments] == [("fault.png", "image/png", 40)]
    before = db.session.query(ConversationMessage).count()
    with pytest.raises(Invalid) as refused:
        service.post(record=request, channel="portal", direction="in", body="x",
                     attachments=[Upload("evil.png", b"<html><script>alert(1)</script>")])
    assert "evil.png" in refused.value.details["fields"]["attachments"]
    with pytest.raises(Invalid) as empty:
        service.post(record=request, channel="portal", direction="in", body="  ")
    assert "body" in empty.value.details["fields"]
    assert db.session.query(ConversationMessage).count() == before


def test_a_file_over_the_limit_is_refused_naming_it(app, app_ctx):
    request = _request(app_ctx)
    app.config["ATTACHMENT_MAX_BYTES"] = 64
    try:
        with pytest.raises(Invalid) as refused:
            service.post(record=request, channel="portal", direction="in", body="big",
                         attachments=[Upload("big.pdf", b"%PDF-" + b"0" * 100)])
    finally:
        app.config.pop("ATTACHMENT_MAX_BYTES")
    assert "big.pdf" in refused.value.message and "64" in refused.value.message
