"""Fill zh msgstr from a JSON dict of {msgid: translation}: `python tools/po_fill.py file.json`.

Keeps hand-edited translations; reports the msgids still untranslated."""
import json
import sys

from babel.messages.pofile import read_po, write_po

PO = "app/translations/zh/LC_MESSAGES/messages.po"


def main(path: str | None) -> int:
    extra = json.load(open(path, encoding="utf-8")) if path else {}
    with open(PO, "rb") as f:
        catalog = read_po(f, locale="zh")
    for msg in catalog:
        if msg.id and not msg.string and msg.id in extra:
            msg.string = extra[msg.id]
        if msg.id and msg.fuzzy and msg.id in extra:
            msg.string, msg.flags = extra[msg.id], set()
    with open(PO, "wb") as f:
        write_po(f, catalog, width=0)
    missing = [m.id for m in catalog if m.id and not m.string]
    for m in missing:
        print("untranslated:", m)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
