// Semantic diff of two BPMN versions with bpmn-js-differ: window.CsDiffer.diff(oldXml, newXml)
// -> Promise<{added, removed, changed, layoutChanged}> where added/removed are lists of
// {id, type, name}, changed a list of {id, type, name, attrs: [{attr, old, new}]} and
// layoutChanged a list of ids that only moved.
import { BpmnModdle } from 'bpmn-moddle';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import { diff as bpmnDiff } from 'bpmn-js-differ';

function describe(el) {
  return { id: el.id, type: (el.$type || '').replace(/^bpmn:/, ''), name: el.name || '' };
}

function show(value) {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return String(value);
  if (value.id) return value.id;
  if (value.$type) {
    const attrs = Object.entries(value).filter(([k, v]) => !k.startsWith('$') && typeof v !== 'object');
    return `${value.$type}${attrs.length ? ' ' + attrs.map(([k, v]) => `${k}=${v}`).join(' ') : ''}`;
  }
  try { return JSON.stringify(value); } catch (e) { return String(value); }
}

export async function diff(oldXml, newXml) {
  const moddle = new BpmnModdle({ camunda: camundaModdle });
  const [a, b] = await Promise.all([moddle.fromXML(oldXml), moddle.fromXML(newXml)]);
  const result = bpmnDiff(a.rootElement, b.rootElement);
  const changed = Object.entries(result._changed).map(([id, c]) => ({
    ...describe(c.model), id,
    // bpmn-js-differ 3.x reports the pair the wrong way round (oldValue holds the value of
    // the second document), checked by tests/browser/test_editor_browser.py.
    attrs: Object.entries(c.attrs).map(([attr, v]) => ({ attr, old: show(v.newValue), new: show(v.oldValue) })),
  }));
  const semantic = new Set([...Object.keys(result._added), ...Object.keys(result._removed), ...Object.keys(result._changed)]);
  return {
    added: Object.values(result._added).map(describe),
    removed: Object.values(result._removed).map(describe),
    changed,
    layoutChanged: Object.keys(result._layoutChanged).filter((id) => !semantic.has(id)),
  };
}

window.CsDiffer = { diff };
