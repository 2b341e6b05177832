// The decision editor page: the draft (assets/draft-session.js), the server validator's located
// problems marked on the table's cells, deploy, versions, download, and the "test this decision"
// panel (assets/dmn-test-panel.js). The page never judges a table itself: validate, deploy and
// evaluate are the server's (the same engine the processes use).
import { api, esc, fmt, localTime, readJson } from './common.js';
import { draftSession } from './draft-session.js';
import { startTestPanel, translated } from './dmn-test-panel.js';
import { startTranslationsPanel } from './dmn-translations.js';
import { markStyle } from './mark-style.js';

const PROBLEM_STYLE = 'cs-dmn-problem-marks';

export function cellSelector(p) {
  const sel = [];
  if (p.element_id) sel.push(`.tjs-container [data-element-id="${CSS.escape(p.element_id)}"]`);
  if (p.rule_id && !p.element_id) sel.push(`.tjs-container td[data-row-id="${CSS.escape(p.rule_id)}"]`);
  if (p.column_id && !p.rule_id) sel.push(`.tjs-container th[data-col-id="${CSS.escape(p.column_id)}"]`);
  return sel;
}

export async function startDecisionEditorPage(root, createDmnModeler) {
  const cfg = readJson('cs-dmn-config');
  const t = cfg.i18n || {};
  const $ = (sel) => root.querySelector(sel);
  const problemsBox = $('#cs-problems');
  const viewSelect = $('#cs-dmn-view');
  const badge = $('#cs-lint');
  const modeler = createDmnModeler($('#cs-dmn-canvas'), cfg.locale);
  window.csDmnModeler = modeler; // for the browser tests and the console
  root.classList.add(`cs-locale-${cfg.locale}`);
  const markProblems = markStyle(PROBLEM_STYLE);

  const currentXml = async () => (await modeler.saveXML({ format: true })).xml;

  // ---------------------------------------------------------------- views
  const VIEW_LABEL = { drd: t.view_drd, decisionTable: t.view_table, literalExpression: t.view_literal };
  function fillViews() {
    const views = modeler.getViews();
    const active = modeler.getActiveView();
    viewSelect.innerHTML = views.map((v, i) => `<option value="${i}">${esc(fmt(t.view_label, {
      type: VIEW_LABEL[v.type] || v.type, name: translated(v.element, 'name', cfg.locale) || v.element.name || v.element.id,
    }))}</option>`).join('');
    viewSelect.value = String(views.indexOf(active));
  }
  viewSelect.addEventListener('change', () => modeler.open(modeler.getViews()[Number(viewSelect.value)]));

  async function importXml(xml) {
    try {
      await modeler.importXML(xml);
    } catch (err) {
      session.showNotice(esc(fmt(t.import_failed, { message: err.message || String(err) })), 'danger');
      session.setStatus(fmt(t.import_failed, { message: err.message || String(err) }), 'danger');
      return false;
    }
    const views = modeler.getViews();
    const wanted = views.find((v) => v.type === 'decisionTable' && v.element.id === cfg.key)
      || views.find((v) => v.type === 'decisionTable');
    if (wanted && modeler.getActiveView() !== wanted) await modeler.open(wanted);
    fillViews();
    return true;
  }

  modeler.on('views.changed', () => { fillViews(); panel.refresh(); translations.refresh(); });
  let revalidate = null;
  function changed() {
    session.changed();
    panel.changed();
    translations.refresh();
    clearTimeout(revalidate);
    revalidate = setTimeout(() => validate({ auto: true }), 1500);
  }
  modeler.on('viewer.created', ({ viewer }) => viewer.get('eventBus').on('elements.changed', changed));

  // ---------------------------------------------------------------- problems
  function where(p) {
    // DmnProblem (app/engine/dmn/model.py): decision, rule (1-based row) and column
    const parts = [p.element_name || p.decision_id, p.rule_index ? fmt(t.rule_n, { n: p.rule_index }) : '',
      p.column_label || ''].filter(Boolean);
    return parts.join(' · ') || p.element_id || t.table;
  }

  function showProblems(problems) {
    const list = problemsBox.querySelector('ul');
    list.innerHTML = problems.map((p) => {
      const sev = p.severity === 'warning' ? 'warning' : 'error';
      return `<li class="cs-problem-item cs-problem-${sev}" data-element="${esc(p.element_id || '')}">`
        + `<span class="label label-${sev === 'error' ? 'danger' : 'warning'}">${esc(sev === 'error' ? t.error : t.warning)}</span> `
        + `<strong>${esc(where(p))}</strong>: ${esc(p.message)}`
        + (p.hint ? ` <span class="text-muted">— ${esc(p.hint)}</span>` : '') + '</li>';
    }).join('');
    markProblems(problems.flatMap((p) => cellSelector(p).map((s) => `${s} { box-shadow: inset 0 0 0 2px `
      + `${p.severity === 'warning' ? '#f0ad4e' : '#d9534f'}; }`)));
    const errors = problems.filter((p) => p.severity !== 'warning').length;
    problemsBox.hidden = problems.length === 0;
    problemsBox.querySelector('.cs-problems-title').textContent = fmt(t.problems_found, {
      errors, warnings: problems.length - errors,
    });
    badge.hidden = false;
    badge.className = `cs-lint-badge ${errors ? 'cs-lint-error' : (problems.length ? 'cs-lint-warning' : 'cs-lint-ok')}`;
    badge.textContent = problems.length ? fmt(t.lint_badge, { errors, warnings: problems.length - errors }) : t.lint_ok;
    badge.dataset.errors = String(errors);
  }
  badge.addEventListener('click', () => { if (!problemsBox.hidden) problemsBox.scrollIntoView({ behavior: 'smooth' }); });

  let validating = 0;
  async function validate({ auto = false } = {}) {
    const ticket = ++validating;
    if (!auto) session.setStatus(t.validating);
    const res = await api(cfg.urls.validate, { method: 'POST', body: { xml: await currentXml() } });
    if (ticket !== validating) return; // a newer check is on its way
    if (!res.ok && !res.data.problems) {
      if (!auto) session.setStatus(res.data.message || t.validate_failed, 'danger');
      return;
    }
    showProblems(res.data.problems);
    if (auto) return;
    if (res.data.problems.length === 0) session.showNotice(esc(t.valid), 'success');
    else $('#cs-notice').hidden = true;
    session.idle();
  }

  const session = draftSession(root, cfg, { currentXml, importXml, showProblems });
  const panel = startTestPanel(root, cfg, modeler, currentXml);
  const translations = startTranslationsPanel(root, cfg, modeler, changed);

  // ---------------------------------------------------------------- toolbar
  $('#cs-save').addEventListener('click', () => session.save());
  $('#cs-validate').addEventListener('click', () => validate());
  $('#cs-deploy').addEventListener('click', async () => {
    const res = await session.deploy();
    if (res && res.ok) {
      renderVersions(res.data.versions || []);
      validate({ auto: true });
    }
  });
  $('#cs-download').addEventListener('click', async () => {
    const blob = new Blob([await currentXml()], { type: 'application/xml' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${cfg.key}.dmn`;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  });

  function renderVersions(versions) {
    $('#cs-versions tbody').innerHTML = versions.map((v) => `<tr data-version="${esc(v.version)}"><td>v${esc(v.version)}</td>`
      + `<td>${esc(v.deployed_by || '')}</td><td>${esc(v.deployed_at_local || localTime(v.deployed_at))}</td>`
      + `<td>${esc(v.source_label || v.source)}</td><td><a href="${esc(v.download_url)}">${esc(t.download)}</a></td></tr>`).join('')
      || `<tr><td colspan="5" class="text-muted">${esc(t.no_versions)}</td></tr>`;
  }

  if (await session.load()) validate({ auto: true });
}
