"""Fill zh msgstr from the JSON dicts {msgid: translation} in tools/i18n/*.json
(one file per area, so people working on different areas never clash).

Keeps hand-edited translations; reports the msgids still untranslated."""
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = "app/translations/zh/LC_MESSAGES/messages.po"


def main(path: str | None) -> int:
    extra = {}
    for f in sorted(Path(__file__).parent.joinpath("i18n").glob("*.json")):
        extra.update(json.loads(f.read_text(encoding="utf-8")))
    if path:
        extra.update(json.loads(Path(path).read_text(encoding="utf-8")))
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
