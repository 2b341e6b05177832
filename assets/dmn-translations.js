// The "Translations" panel of the decision editor: the English name of the decision and labels of its
// columns, kept as README's bilingual convention for decision tables says: the default language in
// name / label, English in extensionElements/i18n:properties/i18n:property name="i18n:name:en"
// (name="i18n:label:en" on a column). dmn-js keeps these elements as they are; a table that has them
// under camunda:properties (older files) is updated there.
import { esc, fmt } from './common.js';
import { translated } from './dmn-test-panel.js';

export const I18N_NS = 'http://cs-ops.example.com/schema/i18n';
const LANG = 'en';

function propertiesOf(bo) {
  const ext = bo.extensionElements;
  return ((ext && ext.values) || []).filter((v) => /:properties$/.test(v.$type || ''));
}

/** Set (or with an empty value remove) ``i18n:<text>:en`` on a decision or column. */
export function setTranslation(moddle, bo, text, value) {
  const name = `i18n:${text}:${LANG}`;
  for (const props of propertiesOf(bo)) {
    const children = props.$children || [];
    const found = children.find((p) => p.name === name);
    if (found) {
      if (value) found.value = value;
      else props.$children = children.filter((p) => p !== found);
      return;
    }
  }
  if (!value) return;
  let ext = bo.extensionElements;
  if (!ext) {
    ext = moddle.create('dmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    bo.extensionElements = ext;
  }
  let props = propertiesOf(bo).find((p) => p.$type === 'i18n:properties');
  if (!props) {
    props = moddle.createAny('i18n:properties', I18N_NS, { $children: [] });
    ext.get('values').push(props);
  }
  props.$children = [...(props.$children || []), moddle.createAny('i18n:property', I18N_NS, { name, value })];
}

/** The panel: one English field per text of the decision shown; ``changed()`` after each edit. */
export function startTranslationsPanel(root, cfg, modeler, changed) {
  const t = cfg.i18n || {};
  const box = root.querySelector('#cs-translations .cs-translation-fields');
  let shape = '';

  function texts(decision) {
    const table = decision.decisionLogic;
    return [{ bo: decision, text: 'name', label: t.tr_decision, written: decision.name || decision.id }]
      .concat((table.input || []).map((c, i) => ({ bo: c, text: 'label', label: fmt(t.tr_input, { n: i + 1 }), written: c.label || '' })))
      .concat((table.output || []).map((c, i) => ({ bo: c, text: 'label', label: fmt(t.tr_output, { n: i + 1 }), written: c.label || c.name || '' })));
  }

  function refresh() {
    const view = modeler.getActiveView();
    const decision = view && view.type === 'decisionTable' ? view.element : null;
    const items = decision ? texts(decision) : [];
    const nextShape = JSON.stringify(items.map((i) => [i.bo.id, i.written, translated(i.bo, i.text, LANG)]));
    if (nextShape === shape) return;
    shape = nextShape;
    if (!decision) {
      box.innerHTML = `<p class="text-muted">${esc(t.test_no_table)}</p>`;
      return;
    }
    box.innerHTML = items.map((item, n) => `<div class="form-group"><label for="cs-tr-${n}">${esc(item.label)} `
      + `<small class="text-muted">${esc(fmt(t.tr_as_written, { text: item.written }))}</small></label>`
      + `<input class="form-control input-sm" id="cs-tr-${n}" data-id="${esc(item.bo.id)}" data-text="${item.text}" `
      + `value="${esc(translated(item.bo, item.text, LANG))}"></div>`).join('');
    box.querySelectorAll('input').forEach((input, n) => input.addEventListener('change', () => {
      const viewer = modeler.getActiveViewer();
      setTranslation(viewer.get('moddle'), items[n].bo, items[n].text, input.value.trim());
      shape = JSON.stringify(items.map((i) => [i.bo.id, i.written, translated(i.bo, i.text, LANG)]));
      changed();
    }));
  }

  refresh();
  return { refresh };
}
