// The properties panel's formRef picker: in the Camunda 7 "Forms" group of a user task or start
// event, the plain "Form reference" text field becomes a select of the deployed Camunda Forms (id and
// name in the page's language, from the app's /forms/api/choices), and "Version" a select of the
// chosen form's versions. It writes only Camunda's own attributes — camunda:formRef,
// camunda:formRefBinding (latest / deployment / version) and camunda:formRefVersion — so the diagram
// stays as Camunda Modeler writes it. The Camunda provider's "Type" select and the other form types
// (formKey, generated formData) are left as they are.
import { SelectEntry, isSelectEntryEdited } from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const PRIORITY = 450; // after the Camunda provider (500), whose Form group is changed here
const FORM_GROUP = 'CamundaPlatform__Form';

/** The deployed forms, read once per page (the list changes only when someone deploys a form). */
export function FormChoices(eventBus, config) {
  this.url = (config.csFormChoices || {}).url; // new Modeler({csFormChoices: {url}})
  this.forms = null; // null: not read yet
  this.failed = false;
  this.load = () => {
    if (!this.url || this.loading) return;
    this.loading = fetch(this.url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then((resp) => (resp.ok ? resp.json() : Promise.reject(new Error(resp.statusText))))
      .then((data) => { this.forms = data.forms || []; })
      .catch(() => { this.forms = []; this.failed = true; })
      .then(() => eventBus.fire('propertiesPanel.providersChanged')); // draw the panel again
  };
  this.find = (key) => (this.forms || []).find((f) => f.key === key) || null;
}
FormChoices.$inject = ['eventBus', 'config'];

const attr = (element, name) => getBusinessObject(element).get(`camunda:${name}`);

/** The attributes to write when the form or the binding changes: the version only with "version". */
function refProperties(key, binding, version, form) {
  if (!key) return { 'camunda:formRef': undefined, 'camunda:formRefBinding': undefined, 'camunda:formRefVersion': undefined };
  const versions = form ? form.versions.map(String) : [];
  const keep = version && (!form || versions.includes(String(version)));
  return {
    'camunda:formRef': key,
    'camunda:formRefBinding': binding || 'latest',
    'camunda:formRefVersion': binding === 'version' ? (keep ? String(version) : versions[0]) : undefined,
  };
}

function FormRefSelect({ element, id }) {
  const modeling = useService('modeling');
  const translate = useService('translate');
  const choices = useService('csFormChoices');
  const current = attr(element, 'formRef') || '';
  const form = choices.find(current);
  const getOptions = () => {
    const options = [{ value: '', label: translate('(no form)') }];
    for (const f of choices.forms || []) options.push({ value: f.key, label: `${f.name} (${f.key})` });
    if (current && !form) {
      options.push({ value: current, label: choices.forms ? translate('{key} (not deployed)', { key: current }) : current });
    }
    return options;
  };
  let description = '';
  if (choices.failed) description = translate('The list of forms could not be loaded.');
  else if (choices.forms && !choices.forms.length) description = translate('No form is deployed yet: build one in the form builder.');
  else if (form) description = translate('Latest version: v{version}', { version: form.version });
  return h(SelectEntry, {
    element,
    id,
    label: translate('Deployed form'),
    description,
    getValue: () => current,
    setValue: (key) => modeling.updateProperties(element, refProperties(
      key, attr(element, 'formRefBinding'), attr(element, 'formRefVersion'), choices.find(key))),
    getOptions,
  });
}

function BindingSelect({ element, id }) {
  const modeling = useService('modeling');
  const translate = useService('translate');
  const choices = useService('csFormChoices');
  const key = attr(element, 'formRef');
  return h(SelectEntry, {
    element,
    id,
    label: translate('Binding'),
    description: {
      latest: translate('The newest version when the task is created.'),
      deployment: translate('The newest version when the diagram is deployed.'),
      version: translate('Exactly the version chosen below.'),
    }[attr(element, 'formRefBinding') || 'latest'],
    getValue: () => attr(element, 'formRefBinding') || 'latest',
    setValue: (binding) => modeling.updateProperties(element, refProperties(
      key, binding, attr(element, 'formRefVersion'), choices.find(key))),
    getOptions: () => ['latest', 'deployment', 'version'].map((value) => ({ value, label: translate(value) })),
  });
}

function VersionSelect({ element, id }) {
  const modeling = useService('modeling');
  const translate = useService('translate');
  const choices = useService('csFormChoices');
  const form = choices.find(attr(element, 'formRef'));
  const current = attr(element, 'formRefVersion') || '';
  return h(SelectEntry, {
    element,
    id,
    label: translate('Version'),
    getValue: () => current,
    setValue: (version) => modeling.updateProperties(element, { 'camunda:formRefVersion': version || undefined }),
    getOptions: () => {
      const options = form.versions.map((v) => ({ value: String(v), label: `v${v}` }));
      if (current && !form.versions.map(String).includes(current)) {
        options.push({ value: current, label: translate('{key} (not deployed)', { key: `v${current}` }) });
      }
      return current ? options : [{ value: '', label: '' }, ...options];
    },
  });
}

function hasFormData(element) {
  const ext = getBusinessObject(element).get('extensionElements');
  return Boolean(ext && (ext.get('values') || []).some((v) => is(v, 'camunda:FormData')));
}

const entry = (id, component) => ({ id, component, isEdited: isSelectEntryEdited });

/** The Form group's entries with the picker in place of the text fields. */
export function withPicker(element, entries, choices) {
  const formRef = attr(element, 'formRef');
  const isRef = formRef !== undefined;
  if (attr(element, 'formKey') !== undefined || hasFormData(element)) return entries; // the other form types
  choices.load();
  const out = [];
  for (const e of entries) {
    if (e.id === 'formRef') out.push(entry('formRef', FormRefSelect));
    else if (e.id === 'formRefBinding') out.push(entry('formRefBinding', BindingSelect));
    else if (e.id === 'formRefVersion') out.push(choices.find(formRef) ? entry('formRefVersion', VersionSelect) : e);
    else out.push(e);
    if (e.id === 'formType' && !isRef) out.push(entry('formRef', FormRefSelect)); // pick at once, no type first
  }
  return out;
}

export default function FormRefPickerProvider(propertiesPanel, csFormChoices) {
  this.getGroups = (element) => (groups) => {
    const group = groups.find((g) => g.id === FORM_GROUP);
    if (group) group.entries = withPicker(element, group.entries, csFormChoices);
    return groups;
  };
  propertiesPanel.registerProvider(PRIORITY, this);
}
FormRefPickerProvider.$inject = ['propertiesPanel', 'csFormChoices'];

export const FormRefPickerModule = {
  __init__: ['csFormRefPicker'],
  csFormRefPicker: ['type', FormRefPickerProvider],
  csFormChoices: ['type', FormChoices],
};
