"""The customer's confirmation of a field visit: 服务完成后 ... 填写现场服务记录表,由客户签字确认
(《机器人集成公司客户服务优化管理制度》第十一条(三)). The customer draws their signature on the engineer's
touch screen; it is kept as a PNG on the field record, with their name and the time."""
from __future__ import annotations

import base64
import binascii

from app.engine import clock
from app.models import FieldServiceRecord

PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 300_000  # a drawn signature is 5-40 KB; more is not a signature
MIN_BYTES = 200  # an empty canvas encodes to a few hundred bytes at most


class SignatureError(ValueError):
    """Why a signature was not taken; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def decode(data_url: str) -> bytes:
    """The PNG bytes of a canvas's ``toDataURL('image/png')``; SignatureError when it is not one."""
    text = (data_url or "").strip()
    if not text.startswith(PREFIX):
        raise SignatureError("signature", "Draw the signature in the box.")
    if len(text) > (MAX_BYTES * 4) // 3 + len(PREFIX) + 4:
        raise SignatureError("signature", "The signature image is too large.")
    try:
        png = base64.b64decode(text[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError) as err:
        raise SignatureError("signature", "The signature image is damaged; draw it again.") from err
    if not png.startswith(PNG_MAGIC) or len(png) < MIN_BYTES:
        raise SignatureError("signature", "Draw the signature in the box.")
    return png


def sign(visit: FieldServiceRecord, data_url: str, name: str) -> None:
    """Record the customer's signature and name on the visit: it is confirmed by the customer."""
    name = (name or "").strip()
    if not name:
        raise SignatureError("name", "The customer's name is required.")
    if len(name) > 100:
        raise SignatureError("name", "The name is too long (at most 100 characters).")
    png = decode(data_url)
    visit.signature_png, visit.confirmed_by_name = png, name
    visit.customer_confirmed, visit.confirmed_at, visit.confirmed_via = True, clock.now(), "signature"
