// A Camunda Form (form-js JSON) on the task and start pages. The server sends the schema already in the
// reader's language (app/views/form_render.py); this script draws it with form-js's viewer and, when the
// page's form is posted, writes the values into plain inputs named by field key: the engine then checks
// them exactly as it checks a camunda:formData form (one validator, server side).
import { Form } from '@bpmn-io/form-js-viewer';
import '@bpmn-io/form-js/dist/assets/form-js.css';
import { translateZh } from './formjs-zh.js';
import './formjs-viewer.css';

function text(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

async function mount(host) {
  const config = JSON.parse(host.querySelector('.cs-formjs-config').textContent);
  const page = host.closest('form');
  const container = document.createElement('div');
  container.className = 'cs-formjs-canvas';
  if (config.lang === 'zh') translateZh(container, { Select: '请选择' });
  const form = new Form({ container, properties: { readOnly: config.readonly } });
  await form.importSchema(config.schema, config.data);
  host.querySelector('.cs-formjs-fallback').remove();  // the plain inputs were for pages without JavaScript
  host.prepend(container);
  const posted = document.createElement('div');
  posted.hidden = true;
  host.append(posted);
  if (!page || config.readonly) return;
  page.addEventListener('submit', (event) => {
    const action = event.submitter ? event.submitter.value : 'complete';
    const { data, errors } = form.submit();
    if (action === 'complete' && Object.keys(errors).length) {  // the browser's hint; the server decides
      event.preventDefault();
      return;
    }
    posted.replaceChildren();
    for (const key of config.keys) {
      if (!(key in data)) continue;
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = key;
      input.value = text(data[key]);
      posted.append(input);
    }
  });
}

document.querySelectorAll('.cs-formjs').forEach((host) => {
  mount(host).catch((err) => {
    const note = document.createElement('p');
    note.className = 'text-danger';
    note.textContent = String(err && err.message || err);
    host.prepend(note);
  });
});
