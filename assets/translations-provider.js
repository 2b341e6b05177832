// The properties panel's "Translations" group: the English (and any other non-default language)
// name and documentation of the selected element, and of its form fields' labels, help and enum
// values, stored as Camunda properties (README "Bilingual process content"):
//   element:    <camunda:property name="i18n:name:en" value="…"/>, name="i18n:documentation:en"
//   form field: <camunda:property id="i18n:label:en" value="…"/>, id="i18n:help:en", id="i18n:option:<value id>:en"
// The default language (zh) stays in the element's own name / documentation / label, as the
// Camunda panel edits them. Camunda Modeler keeps these properties unchanged.
import { TextAreaEntry, TextFieldEntry, isTextAreaEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export const LANGUAGES = ['en']; // the languages other than the default one, edited here
const PRIORITY = 400; // after the Camunda provider (500 runs first, we add a group at the end)

const key = (text, lang) => `i18n:${text}:${lang}`;
const optionKey = (optionId, lang) => `i18n:option:${optionId}:${lang}`;

// ------------------------------------------------------------------ model helpers

function elementProperties(bo) {
  const ext = bo.get('extensionElements');
  return ext ? (ext.get('values') || []).find((v) => is(v, 'camunda:Properties')) : null;
}

/** The property value, for an element (by name) or a form field (by id). */
export function getTranslation(target, propKey) {
  const props = is(target, 'camunda:FormField') ? target.get('properties') : elementProperties(target);
  const found = props && (props.get('values') || []).find((p) => (p.get('name') || p.get('id')) === propKey);
  return found ? found.get('value') || '' : '';
}

function create(bpmnFactory, type, attrs, parent) {
  const el = bpmnFactory.create(type, attrs);
  el.$parent = parent;
  return el;
}

/** Commands that set (or, with an empty value, remove) one translation. */
function translationCommands(element, target, propKey, value, bpmnFactory) {
  const commands = [];
  const update = (moddleElement, properties) => commands.push({
    cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties },
  });
  const field = is(target, 'camunda:FormField');
  const attr = field ? 'id' : 'name';
  let props;
  if (field) {
    props = target.get('properties');
    if (!props && !value) return commands;
    if (!props) {
      props = create(bpmnFactory, 'camunda:Properties', { values: [] }, target);
      update(target, { properties: props });
    }
  } else {
    let ext = target.get('extensionElements');
    if (!ext && !value) return commands;
    if (!ext) {
      ext = create(bpmnFactory, 'bpmn:ExtensionElements', { values: [] }, target);
      update(target, { extensionElements: ext });
    }
    props = (ext.get('values') || []).find((v) => is(v, 'camunda:Properties'));
    if (!props && !value) return commands;
    if (!props) {
      props = create(bpmnFactory, 'camunda:Properties', { values: [] }, ext);
      update(ext, { values: [...(ext.get('values') || []), props] });
    }
  }
  const values = props.get('values') || [];
  const existing = values.find((p) => p.get(attr) === propKey);
  if (!value) {
    if (existing) update(props, { values: values.filter((p) => p !== existing) });
  } else if (existing) {
    update(existing, { value });
  } else {
    update(props, { values: [...values, create(bpmnFactory, 'camunda:Property', { [attr]: propKey, value }, props)] });
  }
  return commands;
}

// ------------------------------------------------------------------ entries

function TranslationEntry(props) {
  const { element, id, target, propKey, label, description, area } = props;
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  const getValue = () => getTranslation(target, propKey);
  const setValue = (value) => {
    const commands = translationCommands(element, target, propKey, (value || '').trim() ? value : '', bpmnFactory);
    if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
  };
  return h(area ? TextAreaEntry : TextFieldEntry, {
    element, id, label, description, getValue, setValue, debounce, rows: 3,
  });
}

function entry(id, element, target, propKey, label, description, area = false) {
  return {
    id,
    element,
    target,
    propKey,
    label,
    description,
    area,
    component: TranslationEntry,
    isEdited: area ? isTextAreaEntryEdited : isTextFieldEntryEdited,
  };
}

function documentationOf(bo) {
  const docs = bo.get('documentation') || [];
  return docs.length ? docs[0].get('text') || '' : '';
}

function formFields(bo) {
  const ext = bo.get('extensionElements');
  const formData = ext && (ext.get('values') || []).find((v) => is(v, 'camunda:FormData'));
  return formData ? formData.get('fields') || [] : [];
}

const short = (text) => (text && text.length > 40 ? `${text.slice(0, 40)}…` : text || '');

export function translationEntries(element, translate) {
  const bo = getBusinessObject(element);
  if (!bo || is(bo, 'bpmn:Definitions') || !bo.$instanceOf('bpmn:BaseElement')) return [];
  const entries = [];
  const asWritten = (text) => (text ? translate('As written: {text}', { text: short(text) }) : translate('No default-language text yet'));
  for (const lang of LANGUAGES) {
    const L = lang.toUpperCase();
    entries.push(entry(`cs-i18n-name-${lang}`, element, bo, key('name', lang),
      translate('Name ({lang})', { lang: L }), asWritten(bo.get('name'))));
    if (!is(bo, 'bpmn:SequenceFlow') || documentationOf(bo)) {
      entries.push(entry(`cs-i18n-documentation-${lang}`, element, bo, key('documentation', lang),
        translate('Documentation ({lang})', { lang: L }), asWritten(documentationOf(bo)), true));
    }
    // a participant's pool names its process: the process name is translated on the process
    if (is(bo, 'bpmn:Participant') && bo.get('processRef')) {
      const process = bo.get('processRef');
      entries.push(entry(`cs-i18n-process-name-${lang}`, element, process, key('name', lang),
        translate('Process name ({lang})', { lang: L }), asWritten(process.get('name'))));
    }
    for (const field of formFields(bo)) {
      const fid = field.get('id') || '';
      entries.push(entry(`cs-i18n-field-${fid}-${lang}`, element, field, key('label', lang),
        translate('Field “{field}” label ({lang})', { field: fid, lang: L }), asWritten(field.get('label'))));
      const help = getTranslation(field, 'help');
      if (help) {
        entries.push(entry(`cs-i18n-help-${fid}-${lang}`, element, field, key('help', lang),
          translate('Field “{field}” help ({lang})', { field: fid, lang: L }), asWritten(help), true));
      }
      for (const value of field.get('values') || []) {
        const vid = value.get('id') || '';
        entries.push(entry(`cs-i18n-option-${fid}-${vid}-${lang}`, element, field, optionKey(vid, lang),
          translate('Field “{field}” value “{value}” ({lang})', { field: fid, value: vid, lang: L }),
          asWritten(value.get('name'))));
      }
    }
  }
  return entries;
}

/** bpmn-js-properties-panel provider adding the Translations group. */
export default function TranslationsProvider(propertiesPanel, translate) {
  this.getGroups = (element) => (groups) => {
    const entries = translationEntries(element, translate);
    if (entries.length) {
      groups.push({ id: 'cs-translations', label: translate('Translations'), entries });
    }
    return groups;
  };
  propertiesPanel.registerProvider(PRIORITY, this); // after getGroups exists: the panel asks at once
}
TranslationsProvider.$inject = ['propertiesPanel', 'translate'];

export const TranslationsModule = {
  __init__: ['csTranslationsProvider'],
  csTranslationsProvider: ['type', TranslationsProvider],
};
