"""The customer confirms the field visit with a signature drawn on the engineer's touch screen, kept
as an image on the field record and shown there (《机器人集成公司客户服务优化管理制度》第十一条(三)
服务完成后 ... 填写现场服务记录表,由客户签字确认). Bad input is refused with a located message and
changes nothing."""
from __future__ import annotations

import base64
import struct
import zlib

from sqlalchemy import select

from app.extensions import db
from app.models import FieldServiceRecord, ServiceRequest
from tests.conftest import csrf_token
from tests.records_helpers import make_customer


def png(width: int = 240, height: int = 60) -> bytes:
    """A real PNG: a white image with a dark diagonal stroke (what a drawn signature looks like)."""
    rows = b""
    for y in range(height):
        row = bytearray(b"\xff\xff\xff" * width)
        x = y * width // height
        row[x * 3:x * 3 + 6] = b"\x10\x10\x10\x10\x10\x10"
        rows += b"\x00" + bytes(row)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def _visit(app) -> int:
    cid, contact_id, _name = make_customer(app)
    with app.app_context():
        sr = ServiceRequest(customer_id=cid, contact_id=contact_id, type="routine_fault", subject="签字测试")
        sr.field_records.append(FieldServiceRecord(work_done="更换伺服电机", cause="电机老化", advice="定期保养"))
        db.session.add(sr)
        db.session.commit()
        return sr.field_records[0].id


def test_the_customer_signs_the_field_record(app, login_as):
    visit_id = _visit(app)
    engineer = login_as("field")
    engineer.get("/lang/zh")
    page = engineer.get(f"/fieldrecordview/sign/{visit_id}").get_data(as_text=True)
    assert 'id="signature-pad"' in page and "更换伺服电机" in page
    token = csrf_token(engineer, f"/fieldrecordview/sign/{visit_id}")
    refused = engineer.post(f"/fieldrecordview/sign/{visit_id}", data={
        "csrf_token": token, "name": "王经理", "signature": ""}).get_data(as_text=True)
    assert 'id="sign-problem"' in refused and "请在框内签名" in refused and "王经理" in refused  # kept, located
    with app.app_context():
        assert db.session.get(FieldServiceRecord, visit_id).customer_confirmed is False
    data_url = "data:image/png;base64," + base64.b64encode(png()).decode()
    done = engineer.post(f"/fieldrecordview/sign/{visit_id}", data={
        "csrf_token": token, "name": "王经理", "signature": data_url})
    assert done.status_code == 302
    with app.app_context():
        visit = db.session.get(FieldServiceRecord, visit_id)
        assert visit.customer_confirmed and visit.confirmed_by_name == "王经理" and visit.confirmed_at is not None
        assert visit.signature_png == png()
    shown = engineer.get(f"/fieldrecordview/show/{visit_id}").get_data(as_text=True)
    assert f'src="/fieldrecordview/signature/{visit_id}"' in shown
    image = engineer.get(f"/fieldrecordview/signature/{visit_id}")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == png()


def test_only_real_pngs_are_signatures(app):
    from app.records.service import signature

    with app.app_context():
        for bad in ("", "data:image/jpeg;base64,AAAA", "data:image/png;base64,@@@", "data:image/png;base64,"
                    + base64.b64encode(b"not a png" * 40).decode()):
            try:
                signature.decode(bad)
                raise AssertionError(f"accepted {bad[:30]!r}")
            except signature.SignatureError as err:
                assert err.field == "signature"
        assert signature.decode("data:image/png;base64," + base64.b64encode(png()).decode()) == png()


def test_who_may_take_a_signature(app, login_as):
    visit_id = _visit(app)
    assert login_as("agent").get(f"/fieldrecordview/sign/{visit_id}").status_code in (302, 403)  # reads only
    with app.app_context():
        assert db.session.scalars(select(FieldServiceRecord).filter_by(id=visit_id)).one().signature_png is None
