// A server-kept draft as an editor page sees it (app/engine/drafts.py): load, save with
// compare-and-set on the draft's rev (a newer save by someone else is a conflict banner, never
// a silent overwrite), autosave, deploy ("no changes" refused). The page supplies the XML and
// shows problems; the decision editor uses it (assets/dmn-editor-page.js).
import { api, esc, fmt, localTime } from './common.js';

const AUTOSAVE_MS = 30000;

/**
 * @param {HTMLElement} root  the page: #cs-status, #cs-notice, #cs-conflict (+ reload / overwrite buttons)
 * @param {object} cfg  {urls: {draft, save, deploy}, autosave_ms, i18n}
 * @param {{currentXml: () => Promise<string>, importXml: (xml: string) => Promise<boolean>,
 *          showProblems: (problems: object[]) => void, deployed?: (data: object) => void}} page
 */
export function draftSession(root, cfg, page) {
  const t = cfg.i18n || {};
  const $ = (sel) => root.querySelector(sel);
  const status = $('#cs-status');
  const notice = $('#cs-notice');
  const banner = $('#cs-conflict');
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

  /** The status line when nothing is going on. */
  function idle() {
    if (dirty()) setStatus(t.unsaved, 'warning');
    else setStatus(state.rev ? savedText(state.info) : t.not_saved_yet, 'muted');
  }

  function accept(data, counter) {
    state.rev = data.rev;
    state.info = data;
    state.savedChanges = counter;
  }

  async function load() {
    const res = await api(cfg.urls.draft);
    if (!res.ok) {
      setStatus(res.data.message || t.load_failed, 'danger');
      return false;
    }
    if (!(await page.importXml(res.data.xml))) return false;
    accept(res.data, 0);
    state.changes = 0;
    setStatus(res.data.rev ? savedText(res.data) : fmt(t.editing_version, { version: res.data.version || '-' }));
    return true;
  }

  function changed() {
    state.changes += 1;
    if (!state.conflict) setStatus(t.unsaved, 'warning');
  }

  function showConflict(data) {
    state.conflict = data;
    banner.hidden = false;
    banner.querySelector('.cs-conflict-text').textContent = fmt(t.conflict, {
      who: data.saved_by || '?', when: data.saved_at_local || localTime(data.saved_at), rev: data.rev,
    });
    setStatus(t.not_saved_conflict, 'danger');
  }

  async function save({ auto = false, force = false } = {}) {
    if (state.saving || (state.conflict && !force) || (auto && !dirty())) return !dirty();
    state.saving = true;
    const counter = state.changes;
    const baseRev = force && state.conflict ? state.conflict.rev : state.rev;
    setStatus(t.saving);
    try {
      const res = await api(cfg.urls.save, { method: 'POST', body: { xml: await page.currentXml(), base_rev: baseRev } });
      if (res.ok) {
        accept(res.data, counter);
        state.conflict = null;
        banner.hidden = true;
        idle();
        if (!dirty()) setStatus(savedText(res.data), 'success');
      } else if (res.status === 409) {
        showConflict(res.data);
      } else {
        if (res.data.problems) page.showProblems(res.data.problems);
        setStatus(res.data.message || t.save_failed, 'danger');
      }
      return res.ok;
    } finally {
      state.saving = false;
    }
  }

  async function deploy() {
    if (state.conflict) {
      setStatus(t.not_saved_conflict, 'danger');
      return null;
    }
    if (!window.confirm(t.confirm_deploy)) return null;
    setStatus(t.deploying);
    const counter = state.changes;
    const res = await api(cfg.urls.deploy, { method: 'POST', body: { xml: await page.currentXml(), base_rev: state.rev } });
    if (res.data.rev !== undefined) accept(res.data, counter);
    if (res.ok) {
      showNotice(esc(fmt(t.deployed, { version: res.data.version })), 'success');
      setStatus(t.deployed_no_draft, 'success');
    } else if (res.status === 409 && res.data.saved_by !== undefined) {
      showConflict(res.data);
    } else {
      page.showProblems(res.data.problems || []);
      const warn = res.data.code === 'no_changes';
      showNotice(esc(res.data.message || t.deploy_failed), warn ? 'warning' : 'danger');
      setStatus(warn ? res.data.message : t.deploy_failed, warn ? 'warning' : 'danger');
    }
    return res;
  }

  $('#cs-conflict-reload').addEventListener('click', async () => {
    if (dirty() && !window.confirm(t.confirm_discard)) return;
    state.conflict = null;
    banner.hidden = true;
    await load();
  });
  $('#cs-conflict-overwrite').addEventListener('click', async () => {
    if (window.confirm(t.confirm_overwrite)) await save({ force: true });
  });
  setInterval(() => { if (dirty()) save({ auto: true }); }, cfg.autosave_ms || AUTOSAVE_MS);
  window.addEventListener('beforeunload', (ev) => {
    if (dirty()) { ev.preventDefault(); ev.returnValue = ''; }
  });

  return { state, dirty, setStatus, showNotice, idle, load, changed, save, deploy };
}
