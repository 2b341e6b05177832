// "Test this decision": a labelled field per input column of the decision shown, sent with the
// editor's current XML to the server's evaluator (the engine's, through a CSRF-checked view);
// the matched rules are listed and highlighted in the table, the output shown.
import { api, esc, fmt } from './common.js';
import { markStyle } from './mark-style.js';

const NUMBER_TYPES = new Set(['number', 'integer', 'long', 'double']);

/** '"a","b", "c"' (a column's input values) -> ['a', 'b', 'c']; anything else -> []. */
export function listedValues(text) {
  const values = [];
  const re = /\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
  let m;
  let at = 0;
  while (text && at < text.length && (m = re.exec(text))) {
    values.push(m[1].replace(/\\(.)/g, '$1'));
    at = re.lastIndex;
  }
  return text && at >= text.trim().length ? values : [];
}

/** A dmn-js element's text in ``lang`` from its i18n:<text>:<lang> camunda property (README's bilingual
 *  convention; dmn-moddle keeps the unknown camunda:properties as generic elements), else ''. */
export function translated(bo, text, lang) {
  const ext = bo && bo.extensionElements;
  for (const props of (ext && ext.values) || []) {
    const found = (props.$children || []).find((p) => p.name === `i18n:${text}:${lang}`);
    if (found && found.value) return found.value;
  }
  return '';
}

function inputsOf(decision, lang) {
  const table = decision && decision.decisionLogic;
  return ((table && table.input) || []).map((clause, i) => {
    const expr = (clause.inputExpression && clause.inputExpression.text) || '';
    return {
      name: expr.trim() || `input${i + 1}`,
      label: translated(clause, 'label', lang) || clause.label || expr || `#${i + 1}`,
      type: (clause.inputExpression && clause.inputExpression.typeRef) || 'string',
      options: listedValues(clause.inputValues && clause.inputValues.text),
    };
  });
}

function field(input, value) {
  const id = `cs-test-${input.name.replace(/[^\w-]/g, '_')}`;
  let control;
  if (input.type === 'boolean') {
    control = `<select class="form-control input-sm" id="${id}" name="${esc(input.name)}">`
      + ['', 'true', 'false'].map((v) => `<option value="${v}"${v === value ? ' selected' : ''}>${esc(v || '—')}</option>`).join('')
      + '</select>';
  } else {
    const list = input.options.length ? ` list="${id}-values"` : '';
    control = `<input class="form-control input-sm" id="${id}" name="${esc(input.name)}" value="${esc(value || '')}"`
      + `${NUMBER_TYPES.has(input.type) ? ' type="number" step="any"' : ' type="text"'}${list}>`
      + (list ? `<datalist id="${id}-values">${input.options.map((o) => `<option value="${esc(o)}"></option>`).join('')}</datalist>` : '');
  }
  return `<div class="form-group cs-test-field"><label for="${id}">${esc(input.label)} `
    + `<small class="text-muted"><code>${esc(input.name)}</code> ${esc(input.type)}</small></label>${control}</div>`;
}

function typed(input, raw) {
  if (raw === '') return null;
  if (input.type === 'boolean') return raw === 'true';
  if (NUMBER_TYPES.has(input.type)) return Number(raw);
  return raw;
}

function show(value) {
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function startTestPanel(root, cfg, modeler, currentXml) {
  const t = cfg.i18n || {};
  const box = root.querySelector('#cs-test');
  const form = box.querySelector('form');
  const fields = box.querySelector('.cs-test-fields');
  const result = box.querySelector('#cs-test-result');
  const markMatched = markStyle('cs-dmn-matched');
  let inputs = [];
  let shape = '';

  function decision() {
    const view = modeler.getActiveView();
    return view && view.type === 'decisionTable' ? view.element : null;
  }

  /** Redraw the fields when the columns changed, keeping what was typed. */
  function refresh() {
    const d = decision();
    const next = inputsOf(d, cfg.locale);
    const nextShape = JSON.stringify([d && d.id, next]);
    if (nextShape === shape) return;
    shape = nextShape;
    clear(); // an answer about other columns (or another table) would mislead
    const typedSoFar = Object.fromEntries(new FormData(form).entries());
    inputs = next;
    box.querySelector('.cs-test-decision').textContent = d ? (translated(d, 'name', cfg.locale) || d.name || d.id) : '';
    fields.innerHTML = d ? inputs.map((i) => field(i, typedSoFar[i.name])).join('') : `<p class="text-muted">${esc(t.test_no_table)}</p>`;
    form.querySelector('button[type=submit]').disabled = !d;
  }

  function ruleLabel(rule) {
    return [fmt(t.rule_n, { n: rule.index }), rule.description].filter(Boolean).join(' · ');
  }

  // data: {matched: [{index, id, description}], outputs: [{name: value}] (one per result),
  //        columns: [{name, label}] (the output columns)}
  function render(data) {
    const rules = data.matched || [];
    markMatched(rules.map((r) => `.tjs-container td[data-row-id="${CSS.escape(r.id)}"] { background: #dff0d8 !important; }`));
    const results = data.outputs || [];
    const names = (data.columns || []).map((c) => c.name);
    results.forEach((r) => Object.keys(r).forEach((k) => { if (!names.includes(k)) names.push(k); }));
    const label = Object.fromEntries((data.columns || []).map((c) => [c.name, c.label]));
    const d = decision(); // the reader's language where the column has it
    ((d && d.decisionLogic.output) || []).forEach((o) => { label[o.name] = translated(o, 'label', cfg.locale) || label[o.name]; });
    const head = `<p class="cs-test-summary"><strong>${esc(rules.length ? fmt(t.test_matched, { n: rules.length }) : t.test_no_match)}</strong></p>`;
    const list = rules.length ? `<ul class="cs-test-rules">${rules.map((r) => `<li data-rule="${esc(r.id)}">${esc(ruleLabel(r))}</li>`).join('')}</ul>` : '';
    const table = results.length ? `<table class="table table-condensed cs-test-output"><caption>${esc(t.test_result)}</caption>`
      + `<thead><tr>${names.map((n) => `<th>${esc(label[n] || n)} <code>${esc(n)}</code></th>`).join('')}</tr></thead><tbody>`
      + results.map((r) => `<tr>${names.map((n) => `<td data-output="${esc(n)}">${esc(show(r[n]))}</td>`).join('')}</tr>`).join('')
      + '</tbody></table>' : '';
    result.innerHTML = head + list + table;
    result.className = rules.length ? 'alert alert-success' : 'alert alert-warning';
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const d = decision();
    if (!d) return;
    const values = {};
    for (const input of inputs) values[input.name] = typed(input, form.elements[input.name].value.trim());
    result.className = 'text-muted';
    result.textContent = t.test_running;
    const res = await api(cfg.urls.evaluate, {
      method: 'POST', body: { xml: await currentXml(), decision_id: d.id, inputs: values },
    });
    if (res.ok) {
      render(res.data);
    } else {
      markMatched([]);
      result.className = 'alert alert-danger';
      result.innerHTML = `<strong>${esc(res.data.message || t.test_failed)}</strong>`
        + ((res.data.problems || []).length ? '<ul>' + res.data.problems.map((p) => `<li>${esc(p.message)}</li>`).join('') + '</ul>' : '');
    }
  });
  function clear() {
    markMatched([]);
    result.className = '';
    result.innerHTML = '';
  }
  box.querySelector('#cs-test-clear').addEventListener('click', () => { form.reset(); clear(); });

  refresh();
  // after an edit the last answer may no longer hold: it goes, the typed inputs stay
  return { refresh, changed: () => { clear(); refresh(); } };
}
