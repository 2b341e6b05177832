// The form builder page (app/views/forms.py): form-js's editor, the form id and name, validate and deploy
// (the server locates every problem by component), "convert a generated form" and the English texts,
// kept as the diagrams keep them: i18n:label:en, i18n:help:en, i18n:option:<value>:en custom properties;
// the form's English name likewise in the root's custom properties (i18n:name:en).
import { FormEditor } from '@bpmn-io/form-js-editor';
import '@bpmn-io/form-js/dist/assets/form-js.css';
import '@bpmn-io/form-js/dist/assets/form-js-editor.css';
import '@bpmn-io/form-js/dist/assets/properties-panel.css';
import './form-builder.css';
import { translateZh } from './formjs-zh.js';

const root = document.getElementById('cs-form-builder');
const config = JSON.parse(document.getElementById('cs-form-config').textContent);
const t = config.i18n;
const $ = (id) => document.getElementById(id);
const NAME_EN = 'i18n:name:en';
const KEYED = new Set(['textfield', 'textarea', 'number', 'checkbox', 'select', 'radio', 'datetime']);

function blank(key) {
  return { type: 'default', id: key || 'new_form', components: [], schemaVersion: 16 };
}

function status(text, kind) {
  $('cs-form-status').textContent = text;
  $('cs-form-status').className = kind ? `text-${kind}` : 'text-muted';
}

function showProblems(problems) {
  const box = $('cs-form-problems');
  box.hidden = !problems.length;
  box.querySelector('ul').replaceChildren(...problems.map((p) => {
    const li = document.createElement('li');
    li.className = 'cs-form-problem';
    const where = p.component && !p.message.includes(p.component) ? `[${p.component}] ` : '';
    li.textContent = `${where}${p.message}${p.hint ? ` — ${p.hint}` : ''}`;
    return li;
  }));
}

function csrf() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

async function post(url, body) {
  const resp = await fetch(url, { method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf() } });
  const data = await resp.json().catch(() => ({ message: t.failed }));
  return { ok: resp.ok, data };
}

const editor = new FormEditor({ container: $('cs-form-editor') });
window.csFormEditor = editor;  // as window.csModeler: for tests and the browser console
if (config.locale.startsWith('zh')) translateZh($('cs-form-editor'));

function current() {
  const schema = editor.saveSchema();
  schema.id = $('cs-form-key').value.trim();
  schema.name = $('cs-form-name').value.trim() || schema.id;
  const props = { ...(schema.properties || {}) };
  const english = $('cs-form-name-en').value.trim();
  if (english) props[NAME_EN] = english;
  else delete props[NAME_EN];
  if (Object.keys(props).length) schema.properties = props;
  else delete schema.properties;
  return schema;
}

async function load(schema) {
  await editor.importSchema(schema);
  $('cs-form-key').value = config.key || schema.id || '';
  $('cs-form-name').value = schema.name || '';
  $('cs-form-name-en').value = (schema.properties || {})[NAME_EN] || '';
  renderTranslations();
}

// ---- English texts: one row per label, help text and option of every field
function englishRows(field) {
  const props = field.properties || {};
  const rows = [[`${field.label || field.key}`, 'i18n:label:en']];
  if (field.description) rows.push([`${field.description}`, 'i18n:help:en']);
  for (const v of Array.isArray(field.values) ? field.values : []) {
    rows.push([`${field.label || field.key} · ${v.label || v.value}`, `i18n:option:${v.value}:en`]);
  }
  return rows.map(([zh, prop]) => ({ zh, prop, value: props[prop] || '' }));
}

function renderTranslations() {
  const body = document.querySelector('#cs-form-translations tbody');
  const focused = body.contains(document.activeElement) ? document.activeElement.dataset : null;
  const registry = editor.get('formFieldRegistry');
  const fields = registry.getAll().filter((f) => KEYED.has(f.type));
  const rows = [];
  for (const field of fields) {
    for (const row of englishRows(field)) {
      const tr = document.createElement('tr');
      const zh = document.createElement('td');
      zh.textContent = row.zh;
      const cell = document.createElement('td');
      const input = document.createElement('input');
      Object.assign(input, { type: 'text', className: 'form-control input-sm cs-en', value: row.value });
      input.dataset.field = field.id;
      input.dataset.prop = row.prop;
      input.setAttribute('aria-label', `${t.english}: ${row.zh}`);
      input.addEventListener('change', () => {
        const live = registry.get(field.id);
        const props = { ...(live.properties || {}) };
        if (input.value.trim()) props[row.prop] = input.value.trim();
        else delete props[row.prop];
        editor.get('modeling').editFormField(live, 'properties', props);
      });
      cell.append(input);
      tr.append(zh, cell);
      rows.push(tr);
    }
  }
  if (!rows.length) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<td colspan="2" class="text-muted"></td>';
    tr.firstChild.textContent = t.no_fields;
    rows.push(tr);
  }
  body.replaceChildren(...rows);
  if (focused) {  // the person was typing here: keep their place
    const again = [...body.querySelectorAll('input')].find(
      (i) => i.dataset.field === focused.field && i.dataset.prop === focused.prop);
    if (again) again.focus();
  }
}

let pending;
editor.on('changed', () => {
  clearTimeout(pending);
  pending = setTimeout(renderTranslations, 300);
});

// ---- toolbar
async function send(url, busy) {
  const schema = current();
  if (!schema.id) {
    status(t.key_needed, 'danger');
    return null;
  }
  status(busy);
  const { ok, data } = await post(url, { schema });
  const problems = data.problems || [];
  showProblems(problems);
  if (!ok || problems.length) {
    status(problems.length ? t.problems.replace('{n}', problems.length) : (data.message || t.failed), 'danger');
    return null;
  }
  return data;
}

$('cs-form-validate').addEventListener('click', async () => {
  if (await send(config.urls.validate, t.validating)) status(t.valid, 'success');
});

$('cs-form-deploy').addEventListener('click', async () => {
  const data = await send(config.urls.deploy, t.deploying);
  if (!data) return;
  status((data.created ? t.deployed : t.unchanged).replace('{version}', data.version), 'success');
  if (!config.key) {
    config.key = data.key;
    $('cs-form-key').readOnly = true;
    window.history.replaceState(null, '', data.url);
  }
});

const convert = $('cs-form-convert');
for (const item of config.convertible) {
  const option = new Option(item.label, JSON.stringify([item.process, item.element]));
  convert.append(option);
}
convert.addEventListener('change', async () => {
  if (!convert.value) return;
  const [process, element] = JSON.parse(convert.value);
  convert.value = '';
  if (editor.saveSchema().components.length && !window.confirm(t.confirm_convert)) return;
  const resp = await fetch(`${config.urls.convert}?${new URLSearchParams({ process, element })}`,
    { credentials: 'same-origin' });
  const data = await resp.json();
  if (!resp.ok) {
    status(data.message || t.failed, 'danger');
    return;
  }
  if (!config.key) config.key = '';
  await load(data.schema);
  if (!config.key) $('cs-form-key').value = data.schema.id;
});

load(config.schema || blank(config.key)).catch((err) => status(String(err.message || err), 'danger'));
root.dataset.ready = 'true';
