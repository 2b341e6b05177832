"""A small BPMN 2.0 writer with grid layout, used by ``tools/gen_workflows.py``.

Elements are placed on a grid (column, lane, row inside the lane); the writer
computes shapes, lanes, expanded subprocesses and orthogonal edges, and emits
Camunda 7 flavoured XML with full diagram interchange (BPMN DI), as Camunda
Modeler would save it. Flows are routed automatically; a flow may ask for a
``route`` ('up'/'down' for loops back, with ``ch`` the channel offset) or give
explicit ``points``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

COL_W = 165
ROW_H = 130
LANE_PAD = 20          # free space above the first row of a lane
POOL_X, POOL_Y = 160, 60
HEADER = 30            # width of the pool's and lanes' name bands
X0 = POOL_X + HEADER * 2 + 60   # centre x of column 0

SIZES = {
    "task": (130, 84), "startEvent": (36, 36), "endEvent": (36, 36), "gateway": (50, 50),
    "intermediateCatchEvent": (36, 36), "boundaryEvent": (36, 36),
}
TASKS = {"userTask", "scriptTask", "task", "manualTask", "callActivity", "serviceTask"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}


def text_width(text: str, cjk: int = 12, latin: float = 6.2) -> int:
    return int(sum(cjk if ord(ch) > 0x2e80 else latin for ch in text)) + 4


def q(value) -> str:
    return quoteattr(str(value))


@dataclass
class Field:
    id: str
    label: str
    type: str = "string"
    required: bool = False
    values: list[tuple[str, str]] = field(default_factory=list)
    min: int | None = None
    max: int | None = None
    minlength: int | None = None
    maxlength: int | None = None
    default: str | None = None
    readonly: bool = False
    multiline: bool = False
    hidden: bool = False  # filled by the platform (e.g. a record's ids), never shown on a form

    def xml(self, ind: str) -> str:
        attrs = f'id={q(self.id)} label={q(self.label)} type={q(self.type)}'
        if self.default is not None:
            attrs += f' defaultValue={q(self.default)}'
        inner = []
        props = [name for name in ("multiline", "hidden") if getattr(self, name)]
        if props:
            inner.append(f'{ind}  <camunda:properties>\n'
                         + ''.join(f'{ind}    <camunda:property id="{p}" value="true" />\n' for p in props)
                         + f'{ind}  </camunda:properties>')
        cons = []
        if self.required:
            cons.append('<camunda:constraint name="required" />')
        if self.readonly:
            cons.append('<camunda:constraint name="readonly" />')
        for name in ("min", "max", "minlength", "maxlength"):
            value = getattr(self, name)
            if value is not None:
                cons.append(f'<camunda:constraint name="{name}" config="{value}" />')
        if cons:
            inner.append(f'{ind}  <camunda:validation>\n' + ''.join(f'{ind}    {c}\n' for c in cons)
                         + f'{ind}  </camunda:validation>')
        for vid, vname in self.values:
            inner.append(f'{ind}  <camunda:value id={q(vid)} name={q(vname)} />')
        if not inner:
            return f'{ind}<camunda:formField {attrs} />'
        return f'{ind}<camunda:formField {attrs}>\n' + '\n'.join(inner) + f'\n{ind}</camunda:formField>'


@dataclass
class Node:
    id: str
    kind: str
    name: str | None
    lane: str | None
    col: float
    row: float = 0
    parent: str | None = None
    attrs: dict = field(default_factory=dict)
    doc: str | None = None
    form: list[Field] = field(default_factory=list)
    script: str | None = None
    event: str | None = None          # inner XML of the event definition
    attached: str | None = None
    side: str = "bottom"
    offset: float = 0.0               # boundary position along the side, -0.5..0.5
    label: str | None = None          # 'top' / 'bottom' / 'right' for events and gateways
    span: tuple | None = None         # subprocess: (col1, lane1, row1) bottom-right cell
    at_col: float | None = None       # boundary: centre on this grid column
    extra: str = ""                   # raw XML inside the element (e.g. call activity mappings)
    incoming: list = field(default_factory=list)
    outgoing: list = field(default_factory=list)
    bounds: tuple = (0, 0, 0, 0)


@dataclass
class Flow:
    id: str
    src: str
    tgt: str
    name: str | None = None
    cond: str | None = None
    route: str | None = None
    ch: float = 30
    points: list | None = None
    label_at: tuple | None = None
    exit: str | None = None
    enter: str | None = None
    exit_at: tuple | None = None      # (lane, row): leave a subprocess's right border at this row
    enter_at: tuple | None = None     # (lane, row): enter a subprocess's left border at this row


class Diagram:
    def __init__(self, pid: str, name: str, doc: str, lanes: list[tuple[str, int]], *,
                 pool: str, starters: str = "", lane_pad: dict | None = None):
        self.pid, self.name, self.doc, self.pool, self.starters = pid, name, doc, pool, starters
        self.lanes = lanes
        self.lane_pad = lane_pad or {}
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.groups: list[tuple[str, str, tuple]] = []
        self.defaults: dict[str, str] = {}
        self.messages: list[str] = []
        # lane geometry
        y = POOL_Y
        self.lane_geom = {}
        for lane, rows in lanes:
            pad_top, pad_bottom = self.lane_pad.get(lane, (0, 0))
            h = LANE_PAD + pad_top + rows * ROW_H + pad_bottom
            self.lane_geom[lane] = (y, h, pad_top)
            y += h
        self.height = y - POOL_Y

    # ------------------------------------------------------------ elements
    def cy(self, lane: str, row: float) -> float:
        top, _h, pad_top = self.lane_geom[lane]
        return top + LANE_PAD + pad_top + ROW_H / 2 + row * ROW_H

    @staticmethod
    def cx(col: float) -> float:
        return X0 + col * COL_W

    def add(self, node: Node) -> Node:
        assert node.id not in self.nodes, node.id
        self.nodes[node.id] = node
        return node

    def start(self, id, name, lane, col, row=0, **kw):
        return self.add(Node(id, "startEvent", name, lane, col, row, **kw))

    def end(self, id, name, lane, col, row=0, terminate=False, **kw):
        return self.add(Node(id, "endEvent", name, lane, col, row,
                             event="<bpmn:terminateEventDefinition />" if terminate else None, **kw))

    def user(self, id, name, lane, col, row=0, *, groups=None, due=None, priority=None, form=(), doc=None, **kw):
        attrs = {"camunda:candidateGroups": groups or lane}
        if due:
            attrs["camunda:dueDate"] = due
        if priority is not None:
            attrs["camunda:priority"] = priority
        return self.add(Node(id, "userTask", name, lane, col, row, attrs=attrs, form=list(form), doc=doc, **kw))

    def script(self, id, name, lane, col, row=0, *, script, doc=None, **kw):
        return self.add(Node(id, "scriptTask", name, lane, col, row, attrs={"scriptFormat": "python"},
                             script=script, doc=doc, **kw))

    def call(self, id, name, lane, col, row=0, *, called, doc=None, **kw):
        extra = ('<bpmn:extensionElements>\n        <camunda:in variables="all" />\n'
                 '        <camunda:out variables="all" />\n      </bpmn:extensionElements>')
        return self.add(Node(id, "callActivity", name, lane, col, row, doc=doc, extra=extra,
                             attrs={"calledElement": called, "camunda:calledElementBinding": "latest"}, **kw))

    def gw(self, id, name, lane, col, row=0, kind="exclusiveGateway", default=None, **kw):
        node = self.add(Node(id, kind, name, lane, col, row, **kw))
        if default:
            self.defaults[id] = default
        return node

    def timer(self, id, name, lane, col, row=0, *, date=None, cycle=None, duration=None, doc=None, **kw):
        return self.add(Node(id, "intermediateCatchEvent", name, lane, col, row, doc=doc,
                             event=_timer(date, cycle, duration), **kw))

    def boundary(self, id, name, attached, *, date=None, cycle=None, duration=None, interrupting=False,
                 side="bottom", offset=0.0, at_col=None, doc=None, **kw):
        host = self.nodes[attached]
        attrs = {"attachedToRef": attached}
        if not interrupting:
            attrs["cancelActivity"] = "false"
        return self.add(Node(id, "boundaryEvent", name, host.lane, host.col, host.row, parent=host.parent,
                             attrs=attrs, event=_timer(date, cycle, duration), attached=attached, side=side,
                             offset=offset, doc=doc, at_col=at_col, **kw))

    def subprocess(self, id, name, lane, col, row, span, doc=None, **kw):
        return self.add(Node(id, "subProcess", name, lane, col, row, span=span, doc=doc, **kw))

    def flow(self, src, tgt, name=None, cond=None, default=False, id=None, **kw):
        fid = id or f"Flow_{src}_{tgt}"
        flow = Flow(fid, src, tgt, name, cond, **kw)
        self.flows.append(flow)
        self.nodes[src].outgoing.append(fid)
        self.nodes[tgt].incoming.append(fid)
        if default:
            self.defaults[src] = fid
        return flow

    def group(self, id, label, box):
        """box = (col0, lane0, row0, col1, lane1, row1): a dashed frame from x=cx(col0) to cx(col1),
        from the top of row0 (None: of the lane) to the bottom of row1 (None: of the lane)."""
        self.groups.append((id, label, box))

    # ------------------------------------------------------------ layout
    def _size(self, node: Node):
        if node.kind in TASKS:
            return SIZES["task"]
        if node.kind in GATEWAYS:
            return SIZES["gateway"]
        return SIZES[node.kind]

    def layout(self):
        for node in self.nodes.values():
            if node.kind in ("subProcess", "boundaryEvent"):
                continue
            w, h = self._size(node)
            cx, cy = self.cx(node.col), self.cy(node.lane, node.row)
            node.bounds = (cx - w / 2, cy - h / 2, w, h)
        for node in self.nodes.values():
            if node.kind == "subProcess":  # from x=cx(col) to cx(col1), whole rows high
                col1, lane1, row1 = node.span
                x0, x1 = self.cx(node.col), self.cx(col1)
                y0 = self.cy(node.lane, node.row) - ROW_H / 2 + 2
                y1 = self.cy(lane1, row1) + ROW_H / 2 - 2
                if row1 == dict(self.lanes)[lane1] - 1:  # last row: include the lane's bottom padding
                    y1 += max(self.lane_pad.get(lane1, (0, 0))[1] - 6, 0)
                node.bounds = (x0, y0, x1 - x0, y1 - y0)
        for node in self.nodes.values():
            if node.kind == "boundaryEvent":
                hx, hy, hw, hh = self.nodes[node.attached].bounds
                if node.side in ("bottom", "top"):
                    cx = self.cx(node.at_col) if node.at_col is not None else hx + hw / 2 + node.offset * hw
                    cy = hy + hh if node.side == "bottom" else hy
                else:
                    cx = hx + hw if node.side == "right" else hx
                    cy = hy + hh / 2 + node.offset * hh
                node.bounds = (cx - 18, cy - 18, 36, 36)

    # ------------------------------------------------------------ routing
    @staticmethod
    def _c(b):
        return b[0] + b[2] / 2, b[1] + b[3] / 2

    @staticmethod
    def _port(b, side):
        x, y, w, h = b
        return {"left": (x, y + h / 2), "right": (x + w, y + h / 2), "top": (x + w / 2, y),
                "bottom": (x + w / 2, y + h)}[side]

    def route(self, f: Flow):
        s, t = self.nodes[f.src], self.nodes[f.tgt]
        sb, tb = s.bounds, t.bounds
        (sx, sy), (tx, ty) = self._c(sb), self._c(tb)
        P = self._port
        if f.points is not None:
            first = P(sb, f.exit) if f.exit else None
            last = P(tb, f.enter) if f.enter else None
            return [p for p in [first, *f.points, last] if p is not None]
        if f.exit_at or f.enter_at:
            start = (sb[0] + sb[2], self.cy(*f.exit_at)) if f.exit_at else P(sb, "right")
            end = (tb[0], self.cy(*f.enter_at)) if f.enter_at else None
            if end is not None:
                if abs(start[1] - end[1]) < 1:
                    return [start, end]
                if s.kind in GATEWAYS:
                    return [P(sb, "bottom" if end[1] > sy else "top"), (sx, end[1]), end]
                mx = (start[0] + end[0]) / 2
                return [start, (mx, start[1]), (mx, end[1]), end]
            if abs(start[1] - ty) < 1:
                return [start, P(tb, "left")]
            return [start, (tx, start[1]), P(tb, "top" if ty > start[1] else "bottom")]
        if f.route == "hvh":
            mx = (sb[0] + sb[2] + tb[0]) / 2
            return [P(sb, "right"), (mx, sy), (mx, ty), P(tb, "left")]
        if f.route == "over":  # forward, above everything in between, into the target's top
            y = min(sb[1], tb[1]) - f.ch
            return [P(sb, "top"), (sx, y), (tx, y), P(tb, "top")]
        if f.route == "up" or f.route == "down":
            if f.route == "up":
                y = min(sb[1], tb[1]) - f.ch
                return [P(sb, "top"), (sx, y), (tx, y), P(tb, "top")]
            y = max(sb[1] + sb[3], tb[1] + tb[3]) + f.ch
            return [P(sb, "bottom"), (sx, y), (tx, y), P(tb, "bottom")]
        if s.kind == "boundaryEvent":
            side = s.side
            start = P(sb, side)
            if abs(sx - tx) < 1:
                return [start, P(tb, "top" if side == "bottom" else "bottom")]
            return [start, (sx, ty), P(tb, "left")]
        if abs(sy - ty) < 1:
            if tx > sx:
                return [P(sb, "right"), P(tb, "left")]
        if abs(sx - tx) < 1:
            return [P(sb, "bottom"), P(tb, "top")] if ty > sy else [P(sb, "top"), P(tb, "bottom")]
        if f.route == "hv" or (t.kind in GATEWAYS and f.route != "vh" and tx > sx):
            return [P(sb, "right"), (tx, sy), P(tb, "top" if ty > sy else "bottom")]
        if f.route == "vh" or (s.kind in GATEWAYS and tx > sx):
            return [P(sb, "bottom" if ty > sy else "top"), (sx, ty), P(tb, "left")]
        mx = (sb[0] + sb[2] + tb[0]) / 2
        return [P(sb, "right"), (mx, sy), (mx, ty), P(tb, "left")]

    # ------------------------------------------------------------ XML
    def _doc(self, text, ind):
        return f'{ind}<bpmn:documentation>{escape(text)}</bpmn:documentation>\n' if text else ""

    def _node_xml(self, node: Node, ind: str) -> str:
        tag = node.kind
        attrs = f'id={q(node.id)}'
        if node.name:
            attrs += f' name={q(node.name)}'
        for k, v in node.attrs.items():
            attrs += f' {k}={q(v)}'
        if node.id in self.defaults:
            attrs += f' default={q(self.defaults[node.id])}'
        if tag == "subProcess":
            out = f'{ind}<bpmn:subProcess {attrs}>\n' + self._doc(node.doc, ind + "  ")
            out += "".join(f'{ind}  <bpmn:incoming>{i}</bpmn:incoming>\n' for i in node.incoming)
            out += "".join(f'{ind}  <bpmn:outgoing>{o}</bpmn:outgoing>\n' for o in node.outgoing)
            out += self._scope_xml(node.id, ind + "  ")
            return out + f'{ind}</bpmn:subProcess>\n'
        body = self._doc(node.doc, ind + "  ")
        if node.form:
            body += (f'{ind}  <bpmn:extensionElements>\n{ind}    <camunda:formData>\n'
                     + "\n".join(fl.xml(ind + "      ") for fl in node.form)
                     + f'\n{ind}    </camunda:formData>\n{ind}  </bpmn:extensionElements>\n')
        if node.extra:
            body += f'{ind}  {node.extra}\n'
        body += "".join(f'{ind}  <bpmn:incoming>{i}</bpmn:incoming>\n' for i in node.incoming)
        body += "".join(f'{ind}  <bpmn:outgoing>{o}</bpmn:outgoing>\n' for o in node.outgoing)
        if node.event:
            body += f'{ind}  {node.event}\n'
        if node.script:
            body += f'{ind}  <bpmn:script>{escape(node.script)}</bpmn:script>\n'
        return f'{ind}<bpmn:{tag} {attrs}>\n{body}{ind}</bpmn:{tag}>\n' if body else f'{ind}<bpmn:{tag} {attrs} />\n'

    def _flow_xml(self, f: Flow, ind: str) -> str:
        attrs = f'id={q(f.id)}'
        if f.name:
            attrs += f' name={q(f.name)}'
        attrs += f' sourceRef={q(f.src)} targetRef={q(f.tgt)}'
        if f.cond:
            return (f'{ind}<bpmn:sequenceFlow {attrs}>\n{ind}  <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
                    f'{escape(f.cond)}</bpmn:conditionExpression>\n{ind}</bpmn:sequenceFlow>\n')
        return f'{ind}<bpmn:sequenceFlow {attrs} />\n'

    def _scope_xml(self, scope, ind):
        out = ""
        for node in self.nodes.values():
            if node.parent == scope:
                out += self._node_xml(node, ind)
        for f in self.flows:
            if self.nodes[f.src].parent == scope:
                out += self._flow_xml(f, ind)
        return out

    def _lanes_xml(self, ind):
        out = f'{ind}<bpmn:laneSet id="LaneSet_{self.pid}">\n'
        for lane, _rows in self.lanes:
            out += f'{ind}  <bpmn:lane id="Lane_{lane}" name={q(lane)}>\n'
            for node in self.nodes.values():
                if node.parent is None and node.lane == lane:
                    out += f'{ind}    <bpmn:flowNodeRef>{node.id}</bpmn:flowNodeRef>\n'
            out += f'{ind}  </bpmn:lane>\n'
        return out + f'{ind}</bpmn:laneSet>\n'

    def _label_bounds(self, node: Node):
        if not node.name or node.kind in TASKS or node.kind == "subProcess":
            return None
        x, y, w, h = node.bounds
        cx = x + w / 2
        lines = _wrap(node.name, 110)
        lw = max(text_width(line) for line in lines)
        lh = 14 * len(lines)
        where = node.label
        if where is None:
            used = self.used_sides.get(node.id, set())
            prefs = ("top", "bottom", "topleft") if node.kind in GATEWAYS else ("bottom", "top", "right")
            where = next((p for p in prefs if p not in used), prefs[-1])
        if where == "topleft":
            return (cx - lw - 4, y - lh - 2, lw, lh)
        if where == "topright":
            return (x + w + 2, y - lh + 10, lw, lh)
        if where == "top":
            return (cx - lw / 2, y - lh - 6, lw, lh)
        if where == "right":
            return (x + w + 6, y + h / 2 - lh / 2 - (14 if node.kind in GATEWAYS else 0), lw, lh)
        if where == "left":
            return (x - lw - 6, y + h / 2 - lh / 2, lw, lh)
        return (cx - lw / 2, y + h + 6, lw, lh)

    def _flow_label_bounds(self, f: Flow, pts):
        if not f.name:
            return None
        lw, lh = text_width(f.name), 14
        if f.label_at:
            return (f.label_at[0], f.label_at[1], lw, lh)
        if f.route in ("up", "down", "over") and len(pts) == 4:  # on the middle of the channel
            (xa, yc), (xb, _) = pts[1], pts[2]
            return ((xa + xb) / 2 - lw / 2, yc + 3 if f.route == "down" else yc - lh - 3, lw, lh)
        (x0, y0), (x1, y1) = pts[0], pts[1]
        if abs(x0 - x1) < 1:  # vertical first segment
            ymid = y0 + (12 if y1 > y0 else -26)
            return (x0 + 6, ymid, lw, lh)
        return (x0 + 8, y0 - lh - 4, lw, lh)

    def to_xml(self) -> str:
        self.layout()
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
               'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
               'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
               'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
               'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
               'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
               'xmlns:modeler="http://camunda.org/schema/modeler/1.0" '
               f'id="Definitions_{self.pid}" targetNamespace="http://cs-ops.example.com/bpmn" '
               'exporter="Camunda Modeler" exporterVersion="5.31.0" '
               'modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.22.0">']
        out.append(f'  <bpmn:collaboration id="Collaboration_{self.pid}">')
        out.append(f'    <bpmn:participant id="Participant_{self.pid}" name={q(self.pool)} processRef={q(self.pid)} />')
        out.append('  </bpmn:collaboration>')
        pattrs = f'id={q(self.pid)} name={q(self.name)} isExecutable="true"'
        if self.starters:
            pattrs += f' camunda:candidateStarterGroups={q(self.starters)}'
        pattrs += ' camunda:historyTimeToLive="P180D"'
        body = self._doc(self.doc, "    ") + self._lanes_xml("    ") + self._scope_xml(None, "    ")
        for gid, label, _box in self.groups:
            body += f'    <bpmn:group id={q(gid)} categoryValueRef={q("CategoryValue_" + gid)} />\n'
        out.append(f'  <bpmn:process {pattrs}>\n{body.rstrip()}\n  </bpmn:process>')
        if self.groups:
            out.append(f'  <bpmn:category id="Category_{self.pid}">')
            for gid, label, _box in self.groups:
                out.append(f'    <bpmn:categoryValue id={q("CategoryValue_" + gid)} value={q(label)} />')
            out.append('  </bpmn:category>')
        out.append(self._di())
        out.append('</bpmn:definitions>\n')
        return _indent("\n".join(out))

    def _sides(self):
        """Which sides of each node the routed flows use (for label placement)."""
        def side(b, p):
            x, y, w, h = b
            if abs(p[1] - y) < 1:
                return "top"
            if abs(p[1] - (y + h)) < 1:
                return "bottom"
            if abs(p[0] - x) < 1:
                return "left"
            return "right"
        used: dict[str, set] = {}
        for f in self.flows:
            pts = self.route(f)
            used.setdefault(f.src, set()).add(side(self.nodes[f.src].bounds, pts[0]))
            used.setdefault(f.tgt, set()).add(side(self.nodes[f.tgt].bounds, pts[-1]))
        for node in self.nodes.values():
            if node.kind == "boundaryEvent":
                used.setdefault(node.id, set()).add({"top": "bottom", "bottom": "top"}.get(node.side, node.side))
        return used

    def _di(self) -> str:
        ind = "      "
        self.used_sides = self._sides()
        width = max(n.bounds[0] + n.bounds[2] for n in self.nodes.values()) + 80 - POOL_X
        s = [f'  <bpmndi:BPMNDiagram id="BPMNDiagram_{self.pid}">',
             f'    <bpmndi:BPMNPlane id="BPMNPlane_{self.pid}" bpmnElement="Collaboration_{self.pid}">']
        s.append(f'{ind}<bpmndi:BPMNShape id="Participant_{self.pid}_di" bpmnElement="Participant_{self.pid}" isHorizontal="true">')
        s.append(f'{ind}  <dc:Bounds x="{POOL_X}" y="{POOL_Y}" width="{_n(width)}" height="{_n(self.height)}" />')
        s.append(f'{ind}</bpmndi:BPMNShape>')
        for lane, _rows in self.lanes:
            top, h, _ = self.lane_geom[lane]
            s.append(f'{ind}<bpmndi:BPMNShape id="Lane_{lane}_di" bpmnElement="Lane_{lane}" isHorizontal="true">')
            s.append(f'{ind}  <dc:Bounds x="{POOL_X + HEADER}" y="{_n(top)}" width="{_n(width - HEADER)}" height="{_n(h)}" />')
            s.append(f'{ind}</bpmndi:BPMNShape>')
        # subprocesses first so that their children are drawn on top
        order = sorted(self.nodes.values(), key=lambda n: (n.kind != "subProcess", n.kind == "boundaryEvent"))
        for node in order:
            x, y, w, h = node.bounds
            extra = ' isExpanded="true"' if node.kind == "subProcess" else ""
            extra += ' isMarkerVisible="true"' if node.kind == "exclusiveGateway" else ""
            s.append(f'{ind}<bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}"{extra}>')
            s.append(f'{ind}  <dc:Bounds x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" />')
            lb = self._label_bounds(node)
            if lb:
                s.append(f'{ind}  <bpmndi:BPMNLabel>\n{ind}    <dc:Bounds x="{_n(lb[0])}" y="{_n(lb[1])}" '
                         f'width="{_n(lb[2])}" height="{_n(lb[3])}" />\n{ind}  </bpmndi:BPMNLabel>')
            s.append(f'{ind}</bpmndi:BPMNShape>')
        for f in self.flows:
            pts = self.route(f)
            s.append(f'{ind}<bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">')
            for px, py in pts:
                s.append(f'{ind}  <di:waypoint x="{_n(px)}" y="{_n(py)}" />')
            lb = self._flow_label_bounds(f, pts)
            if lb:
                s.append(f'{ind}  <bpmndi:BPMNLabel>\n{ind}    <dc:Bounds x="{_n(lb[0])}" y="{_n(lb[1])}" '
                         f'width="{_n(lb[2])}" height="{_n(lb[3])}" />\n{ind}  </bpmndi:BPMNLabel>')
            s.append(f'{ind}</bpmndi:BPMNEdge>')
        for gid, label, (c0, l0, r0, c1, l1, r1) in self.groups:
            x0, x1 = max(self.cx(c0), POOL_X + HEADER * 2 + 8), self.cx(c1)
            y0 = self.lane_geom[l0][0] + 6 if r0 is None else self.cy(l0, r0) - ROW_H / 2
            y1 = (self.lane_geom[l1][0] + self.lane_geom[l1][1] - 6) if r1 is None else self.cy(l1, r1) + ROW_H / 2
            s.append(f'{ind}<bpmndi:BPMNShape id="{gid}_di" bpmnElement="{gid}">')
            s.append(f'{ind}  <dc:Bounds x="{_n(x0)}" y="{_n(y0)}" width="{_n(x1 - x0)}" height="{_n(y1 - y0)}" />')
            lw = text_width(label)
            s.append(f'{ind}  <bpmndi:BPMNLabel>\n{ind}    <dc:Bounds x="{_n((x0 + x1) / 2 - lw / 2)}" y="{_n(y0 + 6)}" '
                     f'width="{_n(lw)}" height="14" />\n{ind}  </bpmndi:BPMNLabel>')
            s.append(f'{ind}</bpmndi:BPMNShape>')
        s.append('    </bpmndi:BPMNPlane>')
        s.append('  </bpmndi:BPMNDiagram>')
        return "\n".join(s)


def _indent(xml: str) -> str:
    """Consistent two-space indentation, as Camunda Modeler saves (text content is untouched)."""
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"))
    etree.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode") + "\n"


def _n(v: float) -> str:
    return str(int(round(v)))


def _wrap(text: str, width: int) -> list[str]:
    words, lines, cur = text.split(" "), [], ""
    for w in words:
        cand = f"{cur} {w}".strip()
        if cur and text_width(cand) > width:
            lines.append(cur)
            cur = w
        else:
            cur = cand
    return lines + ([cur] if cur else [])


def _timer(date, cycle, duration) -> str | None:
    if date:
        inner = f'<bpmn:timeDate xsi:type="bpmn:tFormalExpression">{escape(date)}</bpmn:timeDate>'
    elif cycle:
        inner = f'<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">{escape(cycle)}</bpmn:timeCycle>'
    elif duration:
        inner = f'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{escape(duration)}</bpmn:timeDuration>'
    else:
        return None
    return f'<bpmn:timerEventDefinition>\n        {inner}\n      </bpmn:timerEventDefinition>'
