"""Reading an inbound mail: its text (never its HTML), its files, the ids it replies to, and
whether a machine sent it (an auto-reply, a bounce, a list) so that nobody answers it."""
from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html import unescape
from html.parser import HTMLParser

from app.records.conversation.service import Upload

MAX_BODY_CHARS = 20_000
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "pre"}
_SKIP = {"script", "style", "head", "title"}
# Where a quoted earlier mail starts: everything from here on is the customer's mail client
# repeating our reply (Outlook, Gmail/Apple, Chinese clients, QQ/Foxmail, 163).
_QUOTE_STARTS = re.compile(
    r"^(-{2,}\s*(Original Message|原始邮件|Forwarded message)\s*-{2,}"
    r"|On .{3,200} wrote:\s*$"
    r"|在 ?.{3,200}写道[:：]\s*$"
    r"|From: .+\n(Sent|Date): "
    r"|发件人[:：].+\n(发送时间|时间|日期)[:：])", re.M | re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self._skip = max(self._skip - 1, 0)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The words of an HTML body; tags, scripts and styles are dropped (it is stored as text)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return unescape("".join(parser.parts))


def trim_quoted(text: str) -> str:
    """The new part of a reply: without the quoted earlier mail and its trailing "> " lines."""
    match = _QUOTE_STARTS.search(text)
    if match and match.start() > 0:
        text = text[:match.start()]
    lines = text.rstrip().split("\n")
    while lines and lines[-1].lstrip().startswith(">"):
        lines.pop()
    return "\n".join(lines)


def clean_text(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()[:MAX_BODY_CHARS]


def body_text(msg: EmailMessage) -> str:
    """The mail's text: text/plain preferred, else its HTML converted to text; quotes trimmed."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: read what can be read
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return clean_text(trim_quoted(clean_text(content)))


def files(msg: EmailMessage) -> list[Upload]:
    """The mail's attached files (inline pictures included), undecoded names kept as given."""
    found = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() == "text" and not part.get_filename():
            continue
        data = part.get_payload(decode=True) or b""
        found.append(Upload(part.get_filename() or "file", data))
    return found


def address(value: str | None) -> str:
    return parseaddr(value or "")[1].strip().lower()


def referenced_ids(msg: EmailMessage) -> list[str]:
    """The Message-IDs this mail answers (In-Reply-To, then References, newest first)."""
    ids = re.findall(r"<[^<>\s]+>", str(msg.get("In-Reply-To") or ""))
    ids += reversed(re.findall(r"<[^<>\s]+>", str(msg.get("References") or "")))
    return list(dict.fromkeys(ids))


def machine_sent(msg: EmailMessage, envelope_from: str | None, own: str) -> str | None:
    """Why nobody should answer this mail (an auto-reply, a bounce, a list, our own mail), else None."""
    if (msg.get("Auto-Submitted") or "no").strip().lower() != "no":
        return "Auto-Submitted"
    if (msg.get("Precedence") or "").strip().lower() in ("bulk", "junk", "list"):
        return "Precedence"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id"):
        if msg.get(header) is not None:
            return header
    if envelope_from is not None and envelope_from.strip() in ("", "<>"):
        return "empty envelope sender (a bounce)"
    if (msg.get("Return-Path") or "").strip() == "<>":
        return "Return-Path <>"
    senders = {a.lower() for _n, a in getaddresses([str(msg.get("From") or "")]) if a}
    if own and own in senders | {address(envelope_from)}:
        return "sent by this system"
    return None
