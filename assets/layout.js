// Files bpmn-js would not (fully) draw: a process that no diagram shows (a file without DI,
// or a process without a pool next to a collaboration) gets a BPMNDiagram of its own.
import { layoutProcess } from 'bpmn-auto-layout';

const BPMN = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const BPMNDI = 'http://www.omg.org/spec/BPMN/20100524/DI';
const NOT_NODES = new Set(['documentation', 'extensionElements', 'laneSet', 'property', 'ioSpecification']);

function children(el, ns, name) {
  return Array.from(el.children).filter((c) => c.namespaceURI === ns && (!name || c.localName === name));
}

const ACTIVITI = /(xmlns:[\w.-]+=)(["'])http:\/\/activiti\.org\/bpmn\2/g;
const CAMUNDA = 'http://camunda.org/schema/1.0/bpmn';

/** Activiti's extension namespace read as Camunda's (Camunda is its fork), as the server does. */
export function normalizeNamespaces(xml) {
  return xml.replace(ACTIVITI, `$1$2${CAMUNDA}$2`);
}

/**
 * Processes bpmn-js cannot draw where they are: neither a diagram's plane nor a drawn pool
 * (participant) refers to them. With {di: [...]} when some of their elements have DI
 * somewhere (e.g. drawn inside an expanded call activity), else {di: []}.
 */
export function poollessProcesses(doc) {
  const diByRef = new Map();
  const planes = new Set();
  Array.from(doc.getElementsByTagNameNS(BPMNDI, '*')).forEach((el) => {
    const ref = el.getAttribute('bpmnElement');
    if (!ref) return;
    if (el.localName === 'BPMNPlane') planes.add(ref);
    else (diByRef.get(ref) || diByRef.set(ref, []).get(ref)).push(el);
  });
  const pooled = new Set();
  Array.from(doc.getElementsByTagNameNS(BPMN, 'participant')).forEach((p) => {
    if (diByRef.has(p.getAttribute('id')) && p.getAttribute('processRef')) pooled.add(p.getAttribute('processRef'));
  });
  return children(doc.documentElement, BPMN, 'process')
    .filter((proc) => !planes.has(proc.getAttribute('id')) && !pooled.has(proc.getAttribute('id')))
    .filter((proc) => Array.from(proc.children).some((c) => !NOT_NODES.has(c.localName)))
    .map((proc) => ({
      proc,
      di: Array.from(proc.getElementsByTagName('*')).flatMap((el) => diByRef.get(el.getAttribute('id')) || []),
    }))
    // bpmn-js itself draws a pool-less process with lanes in a collaboration's diagram
    .filter(({ proc, di }) => !(di.length && children(proc, BPMN, 'laneSet').length));
}

function uniqueId(doc, base) {
  let id = base;
  for (let i = 2; doc.querySelector(`[id="${CSS.escape(id)}"]`); i += 1) id = `${base}_${i}`;
  return id;
}

function newDiagram(doc, proc) {
  const id = proc.getAttribute('id');
  const diagram = doc.createElementNS(BPMNDI, 'bpmndi:BPMNDiagram');
  diagram.setAttribute('id', uniqueId(doc, `BPMNDiagram_${id}`));
  const plane = doc.createElementNS(BPMNDI, 'bpmndi:BPMNPlane');
  plane.setAttribute('id', uniqueId(doc, `BPMNPlane_${id}`));
  plane.setAttribute('bpmnElement', id);
  diagram.appendChild(plane);
  return diagram;
}

// bpmn-auto-layout follows a node's <incoming>/<outgoing>, which BPMN does not require: add them.
function linkFlows(root) {
  const byId = new Map(Array.from(root.getElementsByTagName('*')).map((el) => [el.getAttribute('id'), el]));
  Array.from(root.getElementsByTagNameNS(BPMN, 'sequenceFlow')).forEach((flow) => {
    const id = flow.getAttribute('id');
    [['sourceRef', 'outgoing'], ['targetRef', 'incoming']].forEach(([ref, tag]) => {
      const node = byId.get(flow.getAttribute(ref));
      if (!node || children(node, BPMN, tag).some((c) => c.textContent.trim() === id)) return;
      const link = root.ownerDocument.createElementNS(BPMN, `${node.prefix ? `${node.prefix}:` : ''}${tag}`);
      link.textContent = id;
      const before = children(node, BPMN).filter((c) => ['documentation', 'extensionElements', 'incoming'].includes(c.localName));
      node.insertBefore(link, before.length ? before[before.length - 1].nextSibling : node.firstChild);
    });
  });
}

async function laidOutDiagram(doc, proc) {
  const id = proc.getAttribute('id');
  const copy = doc.documentElement.cloneNode(true);
  Array.from(copy.children).forEach((c) => {
    const drop = (c.namespaceURI === BPMNDI && c.localName === 'BPMNDiagram') || c.localName === 'collaboration'
      || (c.localName === 'process' && c.getAttribute('id') !== id);
    if (drop) c.remove();
  });
  linkFlows(copy);
  const laid = await layoutProcess(new XMLSerializer().serializeToString(copy));
  const diagram = new DOMParser().parseFromString(laid, 'application/xml').getElementsByTagNameNS(BPMNDI, 'BPMNDiagram')[0];
  if (!diagram) return null;
  const imported = doc.importNode(diagram, true);
  imported.setAttribute('id', uniqueId(doc, `BPMNDiagram_${id}`));
  const plane = children(imported, BPMNDI, 'BPMNPlane')[0];
  if (plane) plane.setAttribute('id', uniqueId(doc, `BPMNPlane_${id}`));
  return imported;
}

/**
 * xml where every process can be shown: a process without a pool gets a BPMNDiagram of its
 * own, with a copy of the DI its elements already have (coordinates kept) or, without any,
 * one laid out by bpmn-auto-layout.
 * @returns {Promise<{xml: string, laidOut: string[], separated: string[]}>} process names
 */
export async function addMissingDiagrams(xml) {
  xml = normalizeNamespaces(xml);
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const root = doc.documentElement;
  const result = { xml, laidOut: [], separated: [] };
  if (doc.getElementsByTagName('parsererror').length || root.namespaceURI !== BPMN) return result;
  for (const { proc, di } of poollessProcesses(doc)) {
    const name = proc.getAttribute('name') || proc.getAttribute('id');
    let diagram;
    if (di.length) {
      // a copy of their DI (same coordinates) in a diagram of their own; the file's DI stays as it is
      diagram = newDiagram(doc, proc);
      di.forEach((el) => {
        const copy = el.cloneNode(true);
        [copy, ...Array.from(copy.getElementsByTagName('*'))].forEach((c) => {
          if (c.getAttribute('id')) c.setAttribute('id', uniqueId(doc, `${c.getAttribute('id')}_own`));
        });
        diagram.firstChild.appendChild(copy);
      });
      result.separated.push(name);
    } else {
      // eslint-disable-next-line no-await-in-loop
      diagram = await laidOutDiagram(doc, proc);
      if (!diagram) continue;
      result.laidOut.push(name);
    }
    diagram.setAttribute('name', name);
    root.insertBefore(diagram, children(root, BPMN, 'relationship')[0] || null);
  }
  if (result.laidOut.length || result.separated.length) result.xml = new XMLSerializer().serializeToString(doc);
  return result;
}
