// The editor page: load the draft, autosave (compare-and-set on the draft rev),
// validate with problems marked on the diagram, deploy, show versions.
import { api, esc, fmt, localTime, readJson } from './common.js';
import { makeTranslate, translateDom } from './translate-zh.js';
import { addMissingDiagrams } from './layout.js';

const AUTOSAVE_MS = 30000;

export async function startEditorPage(root, createModeler) {
  const cfg = readJson('cs-editor-config');
  const t = cfg.i18n || {};
  const $ = (sel) => root.querySelector(sel);
  const status = $('#cs-status');
  const banner = $('#cs-conflict');
  const problemsBox = $('#cs-problems');
  const notice = $('#cs-notice');
  const layoutNotice = $('#cs-layout-notice');
  const diagramSelect = $('#cs-diagram');
  const lintBadge = $('#cs-lint');

  const modeler = createModeler($('#cs-canvas'), $('#cs-properties'), {
    translate: makeTranslate(cfg.locale),
    formChoicesUrl: cfg.urls.forms,
  });
  window.csModeler = modeler; // for the browser tests and the console
  root.classList.add(`cs-locale-${cfg.locale}`);
  if (cfg.locale === 'zh') translateDom($('#cs-properties'));
  const state = { rev: 0, changes: 0, savedChanges: 0, saving: false, conflict: null, info: {} };
  const dirty = () => state.changes !== state.savedChanges;

  function setStatus(text, kind = 'muted') {
    status.className = `cs-status text-${kind}`;
    status.textContent = text;
  }

  function showNotice(html, kind = 'success') {
    notice.className = `alert alert-${kind}`;
    notice.innerHTML = html;
    notice.hidden = false;
  }

  function savedText(data) {
    if (!data.rev) return t.not_saved_yet;
    return fmt(t.saved_by, { who: data.saved_by || '?', when: data.saved_at_local || localTime(data.saved_at), rev: data.rev });
  }

  // ---------------------------------------------------------------- roles datalist
  // The Camunda panel's "Candidate groups" is a free text field; we attach a
  // <datalist> of the app's roles to it (and to the process's starter groups).
  const rolesList = document.getElementById('cs-roles');
  function attachRoles() {
    if (!rolesList) return;
    root.querySelectorAll('#cs-properties input').forEach((input) => {
      if (/(candidateGroups|candidateStarterGroups)$/i.test(input.id || input.name || '') && input.getAttribute('list') !== 'cs-roles') {
        input.setAttribute('list', 'cs-roles');
        input.setAttribute('autocomplete', 'off');
      }
    });
  }
  new MutationObserver(attachRoles).observe($('#cs-properties'), { childList: true, subtree: true });

  // ---------------------------------------------------------------- load
  async function load() {
    const res = await api(cfg.urls.draft);
    if (!res.ok) {
      setStatus(res.data.message || t.load_failed, 'danger');
      return;
    }
    state.rev = res.data.rev || 0;
    state.info = res.data;
    if (!(await importXml(res.data.xml))) return;
    state.changes = state.savedChanges = 0;
    setStatus(res.data.rev ? savedText(res.data) : fmt(t.editing_version, { version: res.data.version || '-' }));
    validate({ auto: true });
  }

  // A file without a layout is laid out here (and says so); a file bpmn-js cannot draw
  // says why instead of leaving the page at "Loading…".
  async function importXml(xml) {
    let laidOut = [];
    let separated = [];
    try {
      ({ xml, laidOut, separated } = await addMissingDiagrams(xml));
    } catch (err) {
      console.warn('auto-layout failed', err);
    }
    try {
      const result = await modeler.importXML(xml);
      if (result.warnings && result.warnings.length) console.warn('import warnings', result.warnings);
    } catch (err) {
      setStatus(fmt(t.import_failed, { message: err.message || String(err) }), 'danger');
      showNotice(esc(fmt(t.import_failed, { message: err.message || String(err) })), 'danger');
      return false;
    }
    const notes = [];
    if (laidOut.length) notes.push(fmt(t.auto_layout, { names: laidOut.join(', ') }));
    if (separated.length) notes.push(fmt(t.separated, { names: separated.join(', ') }));
    layoutNotice.hidden = notes.length === 0;
    layoutNotice.textContent = notes.join(' ');
    fillDiagrams();
    fit();
    clearProblems();
    return true;
  }

  // ---------------------------------------------------------------- several diagrams, zoom
  function diagramLabel(d) {
    const el = d.plane && d.plane.bpmnElement;
    return d.name || (el && el.name) || d.id;
  }

  function fillDiagrams() {
    const defs = modeler.getDefinitions();
    const diagrams = ((defs && defs.diagrams) || []).filter((d) => d.id); // not bpmn-js's sub-process planes
    const current = modeler.get('canvas').getRootElement();
    diagramSelect.innerHTML = diagrams.map((d) => `<option value="${esc(d.id)}">${esc(diagramLabel(d))}</option>`).join('');
    const shown = diagrams.find((d) => d.plane && current && current.businessObject === d.plane.bpmnElement);
    if (shown) diagramSelect.value = shown.id;
    diagramSelect.closest('.cs-diagram-switch').hidden = diagrams.length < 2;
  }

  diagramSelect.addEventListener('change', async () => {
    await modeler.open(diagramSelect.value);
    fit();
    if (state.problems) showProblems(state.problems);
  });

  // Fit the diagram into the part of the canvas the palette does not cover.
  function fit() {
    const canvas = modeler.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    const { inner, outer } = canvas.viewbox();
    if (!inner.width || !inner.height || !outer.width) return;
    const box = $('#cs-canvas').getBoundingClientRect();
    const palette = root.querySelector('.djs-palette');
    const pad = 20;
    const left = (palette ? palette.getBoundingClientRect().right - box.left : 0) + pad;
    const scale = Math.min(1, (outer.width - left - pad) / inner.width, (outer.height - 2 * pad) / inner.height);
    const height = outer.height / scale;
    canvas.viewbox({
      x: inner.x - left / scale, y: inner.y - (height - inner.height) / 2, width: outer.width / scale, height,
    });
  }

  $('#cs-zoom-in').addEventListener('click', () => modeler.get('zoomScroll').stepZoom(1));
  $('#cs-zoom-out').addEventListener('click', () => modeler.get('zoomScroll').stepZoom(-1));
  $('#cs-zoom-fit').addEventListener('click', fit);

  let revalidate = null;
  modeler.on('commandStack.changed', () => {
    state.changes += 1;
    if (!state.conflict) setStatus(t.unsaved, 'warning');
    clearTimeout(revalidate);
    revalidate = setTimeout(() => validate({ auto: true }), 1500);
  });

  async function currentXml() {
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  }

  // ---------------------------------------------------------------- save (compare-and-set)
  async function save({ auto = false, force = false } = {}) {
    if (state.saving || (state.conflict && !force)) return false;
    if (auto && !dirty()) return true;
    state.saving = true;
    const counter = state.changes;
    const baseRev = force && state.conflict ? state.conflict.rev : state.rev;
    setStatus(t.saving);
    try {
      const res = await api(cfg.urls.save, { method: 'POST', body: { xml: await currentXml(), base_rev: baseRev } });
      if (res.ok) {
        state.rev = res.data.rev;
        state.info = res.data;
        state.savedChanges = counter;
        state.conflict = null;
        banner.hidden = true;
        setStatus(dirty() ? t.unsaved : savedText(res.data), dirty() ? 'warning' : 'success');
        return true;
      }
      if (res.status === 409) {
        showConflict(res.data);
      } else if (res.status === 422 && res.data.problems) {
        showProblems(res.data.problems);
        setStatus(res.data.message || t.save_failed, 'danger');
      } else {
        setStatus(res.data.message || t.save_failed, 'danger');
      }
      return false;
    } finally {
      state.saving = false;
    }
  }

  function showConflict(data) {
    state.conflict = data;
    banner.hidden = false;
    banner.querySelector('.cs-conflict-text').textContent = fmt(t.conflict, {
      who: data.saved_by || '?', when: data.saved_at_local || localTime(data.saved_at), rev: data.rev,
    });
    setStatus(t.not_saved_conflict, 'danger');
  }

  $('#cs-conflict-reload').addEventListener('click', async () => {
    if (dirty() && !window.confirm(t.confirm_discard)) return;
    state.conflict = null;
    banner.hidden = true;
    await load();
  });
  $('#cs-conflict-overwrite').addEventListener('click', async () => {
    if (!window.confirm(t.confirm_overwrite)) return;
    await save({ force: true });
  });

  setInterval(() => { if (dirty()) save({ auto: true }); }, cfg.autosave_ms || AUTOSAVE_MS);
  window.addEventListener('beforeunload', (ev) => {
    if (dirty()) { ev.preventDefault(); ev.returnValue = ''; }
  });

  // ---------------------------------------------------------------- problems on the diagram
  const PROBLEM_OVERLAY = 'cs-problem';
  let marked = [];

  function clearProblems() {
    state.problems = null;
    const canvas = modeler.get('canvas');
    modeler.get('overlays').remove({ type: PROBLEM_OVERLAY });
    const registry = modeler.get('elementRegistry');
    marked.forEach(([id, cls]) => { if (registry.get(id)) canvas.removeMarker(id, cls); }); // another diagram may be open
    marked = [];
    problemsBox.hidden = true;
    problemsBox.querySelector('ul').innerHTML = '';
  }

  function showProblems(problems) {
    clearProblems();
    state.problems = problems;
    showBadge(problems);
    const registry = modeler.get('elementRegistry');
    const canvas = modeler.get('canvas');
    const overlays = modeler.get('overlays');
    const rootId = canvas.getRootElement().id;
    const perElement = {};
    const list = problemsBox.querySelector('ul');
    problems.forEach((p) => {
      const element = p.element_id && p.element_id !== rootId ? registry.get(p.element_id) : null;
      const sev = p.severity === 'warning' ? 'warning' : 'error';
      if (element) {
        (perElement[p.element_id] = perElement[p.element_id] || []).push(p);
      }
      const li = document.createElement('li');
      li.className = `cs-problem-item cs-problem-${sev}`;
      li.dataset.element = element ? p.element_id : '';
      const where = [p.element_name, p.element_id && `(${p.element_type || ''} ${p.element_id})`].filter(Boolean).join(' ');
      li.innerHTML = `<span class="label label-${sev === 'error' ? 'danger' : 'warning'}">${esc(sev === 'error' ? t.error : t.warning)}</span> `
        + `<strong>${esc(where || t.diagram)}</strong>: ${esc(p.message)}`
        + (p.hint ? ` <span class="text-muted">— ${esc(p.hint)}</span>` : '');
      if (element) {
        li.addEventListener('click', () => {
          modeler.get('selection').select(element);
          canvas.scrollToElement(element);
        });
      }
      list.appendChild(li);
    });
    Object.entries(perElement).forEach(([id, items]) => {
      const sev = items.some((p) => p.severity !== 'warning') ? 'error' : 'warning';
      const cls = `cs-problem-${sev}`;
      canvas.addMarker(id, cls);
      marked.push([id, cls]);
      const title = items.map((p) => p.message).join('\n');
      overlays.add(id, PROBLEM_OVERLAY, {
        position: { top: -14, right: 10 },
        html: `<div class="cs-problem-badge cs-problem-badge-${sev}" title="${esc(title)}">${items.length}</div>`,
      });
    });
    problemsBox.hidden = problems.length === 0;
    const errors = problems.filter((p) => p.severity !== 'warning').length;
    problemsBox.querySelector('.cs-problems-title').textContent = fmt(t.problems_found, {
      errors, warnings: problems.length - errors,
    });
  }

  // ---------------------------------------------------------------- validate / deploy
  $('#cs-save').addEventListener('click', () => save());

  // The badge on the canvas is the server's verdict (the validator that deploy runs), kept
  // current after each change: there is no second, client-side rule set to disagree with it.
  function showBadge(problems) {
    const errors = problems.filter((p) => p.severity !== 'warning').length;
    const warnings = problems.length - errors;
    lintBadge.hidden = false;
    lintBadge.className = `cs-lint-badge ${errors ? 'cs-lint-error' : (warnings ? 'cs-lint-warning' : 'cs-lint-ok')}`;
    lintBadge.textContent = problems.length ? fmt(t.lint_badge, { errors, warnings }) : t.lint_ok;
    lintBadge.dataset.errors = String(errors);
    lintBadge.dataset.warnings = String(warnings);
  }
  lintBadge.addEventListener('click', () => { if (!problemsBox.hidden) problemsBox.scrollIntoView({ behavior: 'smooth' }); });

  let validating = 0;
  async function validate({ auto = false } = {}) {
    const ticket = ++validating;
    if (!auto) setStatus(t.validating);
    const res = await api(cfg.urls.validate, { method: 'POST', body: { xml: await currentXml() } });
    if (ticket !== validating) return; // a newer check is on its way
    if (!res.ok) {
      if (!auto) setStatus(res.data.message || t.validate_failed, 'danger');
      return;
    }
    showProblems(res.data.problems);
    if (auto) return;
    if (res.data.problems.length === 0) {
      showNotice(esc(t.valid), 'success');
    } else {
      notice.hidden = true;
    }
    setStatus(dirty() ? t.unsaved : (state.rev ? savedText(state.info) : t.not_saved_yet), dirty() ? 'warning' : 'muted');
  }
  $('#cs-validate').addEventListener('click', () => validate());

  $('#cs-deploy').addEventListener('click', async () => {
    if (state.conflict) {
      setStatus(t.not_saved_conflict, 'danger');
      return;
    }
    if (!window.confirm(t.confirm_deploy)) return;
    setStatus(t.deploying);
    const counter = state.changes;
    const res = await api(cfg.urls.deploy, { method: 'POST', body: { xml: await currentXml(), base_rev: state.rev } });
    if (res.data.rev !== undefined) { state.rev = res.data.rev; state.info = res.data; state.savedChanges = counter; }
    if (res.ok) {
      validate({ auto: true });
      const d = res.data;
      showNotice(esc(d.created ? fmt(t.deployed, { version: d.version }) : fmt(t.unchanged, { version: d.version }))
        + (d.running_other ? ` <a href="${esc(cfg.urls.versions)}#migrate">${esc(fmt(t.migrate_hint, { n: d.running_other }))}</a>` : ''), 'success');
      renderVersions(d.versions || []);
      setStatus(t.deployed_no_draft, 'success');
    } else if (res.data.code === 'no_changes') {
      showProblems(res.data.problems || []);
      showNotice(esc(res.data.message), 'warning');
      setStatus(res.data.message, 'warning');
    } else if (res.status === 409 && res.data.saved_by !== undefined) {
      showConflict(res.data);
    } else if (res.data.problems) {
      showProblems(res.data.problems);
      showNotice(esc(res.data.message || t.deploy_failed), 'danger');
      setStatus(t.deploy_failed, 'danger');
    } else {
      showNotice(esc(res.data.message || t.deploy_failed), 'danger');
      setStatus(t.deploy_failed, 'danger');
    }
  });

  const importFile = $('#cs-import-file');
  $('#cs-import').addEventListener('click', () => importFile.click());
  importFile.addEventListener('change', () => {
    if (!importFile.files.length) return;
    if (dirty() && !window.confirm(t.confirm_import)) { importFile.value = ''; return; }
    state.changes = state.savedChanges; // leaving on purpose: no "unsaved changes" prompt
    $('#cs-import-form').submit();
  });

  $('#cs-download').addEventListener('click', async () => {
    const blob = new Blob([await currentXml()], { type: 'application/xml' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${cfg.key}.bpmn`;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  });

  function renderVersions(versions) {
    const tbody = $('#cs-versions tbody');
    if (!tbody) return;
    tbody.innerHTML = versions.map((v) => `<tr><td>v${esc(v.version)}</td><td>${esc(v.deployed_by || '')}</td>`
      + `<td>${esc(v.deployed_at_local || localTime(v.deployed_at))}</td><td>${esc(v.source_label || v.source)}</td>`
      + `<td><a href="${esc(v.download_url)}">${esc(t.download)}</a></td></tr>`).join('')
      || `<tr><td colspan="5" class="text-muted">${esc(t.no_versions)}</td></tr>`;
  }

  await load();
}
