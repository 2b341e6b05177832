"""Safe XML loading for uploaded diagrams.

Uploaded BPMN is untrusted: no entity expansion, no DTD or network access, a byte
limit checked before lxml sees the input and an element limit checked after.
Every failure becomes a `BpmnError` with a located `Problem`, never a raw lxml error.
"""
from __future__ import annotations

import codecs
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from lxml import etree

from .problems import BpmnError, Problem

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ELEMENTS = 5000

_ENTITY_RE = re.compile(rb'<!ENTITY', re.IGNORECASE)
_DOCTYPE_RE = re.compile(rb'<!DOCTYPE', re.IGNORECASE)
_EXTERNAL_DTD_RE = re.compile(rb'\s+[^\s\[>]+\s+(SYSTEM|PUBLIC)\b', re.IGNORECASE)
_UTF16_32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


_DOCTYPE_HINT = _l('Export the diagram again from the modeler; BPMN files never need a DOCTYPE.')


def _fail(message: str, hint: str = '', line: int | None = None) -> BpmnError:
    return BpmnError([Problem(None, None, None, message, hint, line)])


def _ascii_view(data: bytes) -> bytes:
    """Bytes in which markup like '<!ENTITY' is findable even for UTF-16/32 input."""
    if data.startswith(_UTF16_32_BOMS) or (len(data) > 1 and (data[0] == 0 or data[1] == 0)):
        # Wide encodings: drop NUL bytes so the ASCII markup becomes contiguous.
        return data.replace(b'\x00', b'')
    return data


def _make_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_pis=True, collect_ids=False,
    )


def load_xml(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES,
             max_elements: int = DEFAULT_MAX_ELEMENTS) -> etree._ElementTree:
    """Parse untrusted XML safely; raise BpmnError (with problems) on anything suspicious."""
    if isinstance(data, str):
        if len(data) > max_bytes:  # cheap pre-check before encoding a huge string
            raise _too_big(len(data), max_bytes)
        data = data.encode('utf-8')
        # lxml refuses str input with an encoding declaration; we pass bytes, so
        # rewrite any declared encoding to the one we actually used.
        data = re.sub(rb'^(\s*<\?xml[^>]*?)encoding=["\'][^"\']*["\']', rb'\1encoding="UTF-8"', data, count=1)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _fail(_l('Expected XML bytes, got %(type)s.', type=type(data).__name__))
    data = bytes(data)
    if len(data) > max_bytes:
        raise _too_big(len(data), max_bytes)
    if not data.strip():
        raise _fail(_l('The file is empty.'), _l('Upload a .bpmn file exported from the modeler.'))

    view = _ascii_view(data)
    doctype = _DOCTYPE_RE.search(view)
    if doctype and _ENTITY_RE.search(view):
        raise _fail(_l('The file declares XML entities in a DOCTYPE, which is refused for security '
                       '(XXE / entity expansion).'), _DOCTYPE_HINT)
    if doctype and _EXTERNAL_DTD_RE.match(view, doctype.end()):
        raise _fail(_l('The file refers to an external DTD, which is refused for security.'),
                    _l('Remove the DOCTYPE line; BPMN files never need one.'))
    try:
        root = etree.fromstring(data, parser=_make_parser())
    except etree.XMLSyntaxError as exc:
        line, col = (exc.position if exc.position else (getattr(exc, 'lineno', None), None))
        msg = re.sub(r', line \d+, column \d+$', '', (exc.msg or str(exc)).strip())
        if line and col:
            text = _l('The file is not well-formed XML at line %(line)s, column %(column)s: %(error)s',
                      line=line, column=col, error=msg)
        elif line:
            text = _l('The file is not well-formed XML at line %(line)s: %(error)s', line=line, error=msg)
        else:
            text = _l('The file is not well-formed XML: %(error)s', error=msg)
        raise _fail(text, _l('Fix the XML or export the diagram again from the modeler.'), line) from None
    except Exception as exc:  # lxml may raise ValueError etc. for odd encodings
        raise _fail(_l('The file could not be read as XML: %(error)s', error=str(exc)),
                    _l('Save the diagram as UTF-8 XML.')) from None

    tree = root.getroottree()
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise _fail(_l('The file declares XML entities in a DOCTYPE, which is refused for security.'),
                    _DOCTYPE_HINT)

    count = 0
    for _ in root.iter():
        count += 1
        if count > max_elements:
            raise _fail(_l('The diagram has more than %(n)s XML elements.', n=max_elements),
                        _l('Split it into smaller processes linked by call activities.'))
    return tree


def _too_big(size: int, max_bytes: int) -> BpmnError:
    return _fail(_l('The file is %(size)s bytes; the limit is %(limit)s bytes.', size=f'{size:,}',
                    limit=f'{max_bytes:,}'),
                 _l('Split the diagram into smaller processes linked by call activities.'))


def local_name(node: etree._Element) -> str:
    """Local tag name without namespace ('' for comments and processing instructions)."""
    tag = node.tag
    if not isinstance(tag, str):
        return ''
    return tag.rsplit('}', 1)[-1]


# ---------------------------------------------------------------- tree helpers

BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL'
BPMNDI_NS = 'http://www.omg.org/spec/BPMN/20100524/DI'
CAMUNDA_NS = 'http://camunda.org/schema/1.0/bpmn'
ACTIVITI_NS = 'http://activiti.org/bpmn'  # Camunda 7 accepts it as an alias of CAMUNDA_NS
NSMAP = {'bpmn': BPMN_NS, 'bpmndi': BPMNDI_NS, 'camunda': CAMUNDA_NS,
         'dc': 'http://www.omg.org/spec/DD/20100524/DC'}


def bpmn_tag(name: str) -> str:
    return '{%s}%s' % (BPMN_NS, name)


def normalize_camunda_namespace(root: etree._Element) -> None:
    """Rewrite activiti-namespace tags/attributes to the camunda namespace in place."""
    old = '{%s}' % ACTIVITI_NS
    new = '{%s}' % CAMUNDA_NS
    for node in root.iter():
        if isinstance(node.tag, str) and node.tag.startswith(old):
            node.tag = new + node.tag[len(old):]
        for key in [k for k in node.attrib if k.startswith(old)]:
            node.attrib[new + key[len(old):]] = node.attrib.pop(key)


def camunda_attr(node: etree._Element, name: str) -> str | None:
    value = node.get('{%s}%s' % (CAMUNDA_NS, name))
    return value.strip() if isinstance(value, str) else value


def camunda_properties(node: etree._Element) -> dict[str, str]:
    """`camunda:properties` directly on the element (not on nested children)."""
    props: dict[str, str] = {}
    for prop in node.xpath('./bpmn:extensionElements/camunda:properties/camunda:property', namespaces=NSMAP):
        props[prop.get('name') or prop.get('id') or ''] = prop.get('value') or ''
    return props


def documentation(node: etree._Element) -> str:
    docs = node.xpath('./bpmn:documentation', namespaces=NSMAP)
    return '\n\n'.join((d.text or '').strip() for d in docs if (d.text or '').strip())


def lane_chains(root: etree._Element) -> dict[str, list[etree._Element]]:
    """Map flow-node id -> the lanes containing it, innermost first."""
    chains: dict[str, list[etree._Element]] = {}
    for ref in root.iter(bpmn_tag('flowNodeRef')):
        node_id = (ref.text or '').strip()
        lane = ref.getparent()
        chain = []
        while lane is not None and local_name(lane) == 'lane':
            chain.append(lane)
            lane_set = lane.getparent()
            lane = lane_set.getparent() if lane_set is not None else None
        existing = chains.get(node_id)
        if node_id and (existing is None or len(chain) > len(existing)):
            chains[node_id] = chain
    return chains


def has_diagram_interchange(root: etree._Element) -> bool:
    return next(root.iter('{%s}BPMNShape' % BPMNDI_NS), None) is not None


def runnable_processes(root: Any) -> list[Any]:
    """Processes SpiffWorkflow may run: all except those marked isExecutable="false"."""
    return [p for p in root.iterfind('{%s}process' % BPMN_NS) if p.get('isExecutable') != 'false']


def select_main_process(root: Any) -> tuple[Any | None, str]:
    """(process element to start, '' or why none could be chosen)."""
    processes = list(root.iterfind('{%s}process' % BPMN_NS))
    marked = [p for p in processes if p.get('isExecutable') == 'true']
    if len(marked) == 1:
        return marked[0], ''
    if len(marked) > 1:
        # Processes called from this file are callees, not the entry point; then prefer
        # the one a person starts (a plain start event) over message/timer-started ones.
        called = {c.get('calledElement') for c in root.iter('{%s}callActivity' % BPMN_NS)}
        entry = [p for p in marked if p.get('id') not in called]
        if len(entry) > 1:
            plain = [p for p in entry if any(len(s) == len(s.findall('{*}incoming') + s.findall('{*}outgoing')
                                                             + s.findall('{*}extensionElements')
                                                             + s.findall('{*}documentation'))
                                             for s in p.iterfind('{%s}startEvent' % BPMN_NS))]
            entry = plain if len(plain) == 1 else entry
        if len(entry) == 1:
            return entry[0], ''
        ids = ', '.join(p.get('id') or '?' for p in marked)
        return None, _l('Several processes are marked executable (%(ids)s) and none is clearly the one to start.',
                        ids=ids)
    unmarked = [p for p in processes if p.get('isExecutable') is None]
    if len(processes) == 1 and unmarked:
        return processes[0], ''
    if not processes:
        return None, _l('The file contains no process.')
    if not unmarked:
        return None, _l('No process is executable (isExecutable="false").')
    return None, _l('The file has %(n)s processes and none is marked executable.', n=len(processes))


# ---------------------------------------------------------------- ids the runtime can rely on

# Elements the runtime addresses by id: flow nodes, flows, processes and lanes.
_NEEDS_ID = {
    'process', 'subProcess', 'transaction', 'adHocSubProcess', 'callActivity', 'task', 'userTask', 'manualTask',
    'scriptTask', 'serviceTask', 'sendTask', 'receiveTask', 'businessRuleTask', 'startEvent', 'endEvent',
    'intermediateCatchEvent', 'intermediateThrowEvent', 'boundaryEvent', 'exclusiveGateway', 'inclusiveGateway',
    'parallelGateway', 'eventBasedGateway', 'complexGateway', 'sequenceFlow', 'lane',
}
# Task spec names SpiffWorkflow gives its own tasks in every process spec.
RESERVED_IDS = frozenset({'Start', 'End', 'Root'})
_REF_ATTRIBUTES = ('sourceRef', 'targetRef', 'attachedToRef', 'default', 'bpmnElement')
_REF_ELEMENTS = ('incoming', 'outgoing', 'flowNodeRef', 'sourceRef', 'targetRef')


def _fresh_id(base: str, taken: set[str]) -> str:
    n = 1
    while f'{base}_{n}' in taken:
        n += 1
    taken.add(f'{base}_{n}')
    return f'{base}_{n}'


def assign_missing_ids(root: etree._Element) -> list[etree._Element]:
    """Give every flow element without an id a fresh one (SpiffWorkflow would drop it silently);
    returns the elements that got one, for a warning."""
    taken = {el.get('id') for el in root.iter() if isinstance(el.tag, str) and el.get('id')}
    named = []
    for el in root.iter():
        kind = local_name(el)
        if kind in _NEEDS_ID and el.tag == bpmn_tag(kind) and not (el.get('id') or '').strip():
            el.set('id', _fresh_id(f'{kind}_generated', taken))
            named.append(el)
    return named


def rename_reserved_ids(root: etree._Element) -> dict[str, str]:
    """Rename elements whose id is one of SpiffWorkflow's own task names (``Start``, ``End``, …, or
    ``<process>.EndJoin``) and every reference to them; returns {new id: original id}."""
    processes = {p.get('id') for p in root.iterfind(bpmn_tag('process'))}
    reserved = set(RESERVED_IDS) | {f'{p}.EndJoin' for p in processes}
    clashes = {el.get('id') for el in root.iter()
               if isinstance(el.tag, str) and el.get('id') in reserved and local_name(el) != 'process'}
    if not clashes:
        return {}
    taken = {el.get('id') for el in root.iter() if isinstance(el.tag, str) and el.get('id')}
    renamed = {old: _fresh_id(f'{old}_element', taken) for old in sorted(clashes)}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get('id') in renamed and local_name(el) != 'process':
            el.set('id', renamed[el.get('id')])
        for attr in _REF_ATTRIBUTES:
            if el.get(attr) in renamed:
                el.set(attr, renamed[el.get(attr)])
        if local_name(el) in _REF_ELEMENTS and (el.text or '').strip() in renamed:
            el.text = renamed[el.text.strip()]
    return {new: old for old, new in renamed.items()}


DMN_NS_MARK = '/DMN/'  # every DMN version's namespace: http://www.omg.org/spec/DMN/20151101/dmn.xsd, …


def is_dmn(root: etree._Element) -> bool:
    return isinstance(root.tag, str) and DMN_NS_MARK in root.tag.upper()
