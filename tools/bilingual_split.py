"""Split glued bilingual names ("登记投诉 Register complaint") of BPMN diagrams into the convention of
README "Bilingual process content": the Chinese text stays in ``name``/``label``, the English goes to
``i18n:…:en`` Camunda properties. Elements already translated are left alone.

    python tools/bilingual_split.py workflows/*.bpmn       # rewrite in place
    python tools/bilingual_split.py --check workflows/*.bpmn  # list glued names, exit 1 if any
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
GLUED = re.compile(rf"^(.*[{CJK}][^A-Za-z]*?)\s+([A-Za-z(\"'].*)$", re.S)  # English starts with a letter
AFTER_CHILDREN = ("documentation",)  # bpmn:extensionElements comes right after these (BPMN 2.0 XSD)


def split(text: str | None) -> tuple[str, str] | None:
    """(zh, en) of a glued text, or None."""
    match = GLUED.match(" ".join((text or "").split()))
    if not match or re.search(f"[{CJK}]", match.group(2)):
        return None
    return match.group(1).strip(), match.group(2).strip()


def split_paragraphs(text: str | None) -> tuple[str, str] | None:
    """(zh, en) of a documentation whose last paragraphs are English after Chinese ones, or None."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    cut = len(paragraphs)
    while cut > 0 and not re.search(f"[{CJK}]", paragraphs[cut - 1]) and re.search("[A-Za-z]{3}", paragraphs[cut - 1]):
        cut -= 1
    if cut == 0 or cut == len(paragraphs):
        return None
    return "\n\n".join(paragraphs[:cut]), "\n\n".join(paragraphs[cut:])


def _properties(element, *, own: bool) -> etree._Element:
    """The camunda:properties of an element: under bpmn:extensionElements, or (form fields) its own."""
    if own:
        props = element.find(f"{{{CAMUNDA}}}properties")
        if props is None:
            props = etree.Element(f"{{{CAMUNDA}}}properties")
            element.insert(0, props)
        return props
    ext = element.find(f"{{{BPMN}}}extensionElements")
    if ext is None:
        ext = etree.Element(f"{{{BPMN}}}extensionElements")
        at = sum(1 for c in element if isinstance(c.tag, str) and etree.QName(c).localname in AFTER_CHILDREN)
        element.insert(at, ext)
    props = ext.find(f"{{{CAMUNDA}}}properties")
    if props is None:
        props = etree.SubElement(ext, f"{{{CAMUNDA}}}properties")
    return props


def _has(props, attr: str, key: str) -> bool:
    return any(p.get(attr) == key for p in props.findall(f"{{{CAMUNDA}}}property"))


def _add(props, attr: str, key: str, value: str) -> None:
    if not _has(props, attr, key):
        prop = etree.SubElement(props, f"{{{CAMUNDA}}}property")
        prop.set(attr, key)
        prop.set("value", value)


# A lane named by a role code is named for its people; the role moves to its candidateGroups property.
ROLE_LANES = {"CustomerService": ("客户服务", "Customer service"), "TechSupport": ("技术支持", "Technical support"),
              "FieldService": ("现场服务", "Field service"), "Sales": ("销售", "Sales"),
              "Supervisor": ("主管", "Supervisor"), "ProcessOwner": ("流程负责人", "Process owner")}


def convert(root) -> list[str]:
    """Rewrite glued names in place; what was changed, as 'id: zh | en'."""
    changed = []
    for lane in root.iter(f"{{{BPMN}}}lane"):
        role = (lane.get("name") or "").strip()
        if role in ROLE_LANES:
            zh, en = ROLE_LANES[role]
            lane.set("name", zh)
            props = _properties(lane, own=False)
            _add(props, "name", "candidateGroups", role)
            _add(props, "name", "i18n:name:en", en)
            changed.append(f"{lane.get('id')}: {zh} | {en} (role {role})")
    for el in root.iter(f"{{{BPMN}}}*"):
        parts = split(el.get("name"))
        if parts and etree.QName(el).localname not in ("message", "signal", "error", "escalation"):
            el.set("name", parts[0])
            _add(_properties(el, own=False), "name", "i18n:name:en", parts[1])
            changed.append(f"{el.get('id')}: {parts[0]} | {parts[1]}")
    for el in root.iter(f"{{{BPMN}}}*"):  # documentation: Chinese paragraphs, then an English one
        doc = el.find(f"{{{BPMN}}}documentation")
        parts = split_paragraphs(doc.text if doc is not None else None)
        if parts:
            doc.text = parts[0]
            _add(_properties(el, own=False), "name", "i18n:documentation:en", parts[1])
            changed.append(f"{el.get('id')}.documentation")
    for field in root.iter(f"{{{CAMUNDA}}}formField"):
        parts = split(field.get("label"))
        if parts:
            field.set("label", parts[0])
            _add(_properties(field, own=True), "id", "i18n:label:en", parts[1])
            changed.append(f"{field.get('id')}.label: {parts[0]} | {parts[1]}")
        for value in field.findall(f"{{{CAMUNDA}}}value"):
            name = value.get("name") or ""
            if name and not re.search(f"[{CJK}A-Za-z]", name):  # a sign such as "—" is the same in English
                if not _has(_properties(field, own=True), "id", f"i18n:option:{value.get('id')}:en"):
                    _add(_properties(field, own=True), "id", f"i18n:option:{value.get('id')}:en", name)
                    changed.append(f"{field.get('id')}.{value.get('id')}: {name}")
            parts = split(name)
            if parts:
                value.set("name", parts[0])
                _add(_properties(field, own=True), "id", f"i18n:option:{value.get('id')}:en", parts[1])
                changed.append(f"{field.get('id')}.{value.get('id')}: {parts[0]} | {parts[1]}")
    return changed


def main(argv: list[str]) -> int:
    check = "--check" in argv
    glued = 0
    for name in (a for a in argv if a != "--check"):
        path = Path(name)
        tree = etree.parse(str(path), etree.XMLParser(remove_blank_text=False))
        changed = convert(tree.getroot())
        glued += len(changed)
        for line in changed:
            print(f"{path.name}: {line}")
        if changed and not check:
            etree.indent(tree, space="  ")
            tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return 1 if check and glued else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
