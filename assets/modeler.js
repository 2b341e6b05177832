// The BPMN editor: bpmn-js Modeler + Camunda 7 properties panel, exposed as
// window.CsModeler; on the editor page (#cs-editor) it also runs the page.
// No client-side lint: the page shows the server validator's verdict (the one deploy
// applies), so the badge and deploy cannot disagree.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './bpmn-font.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import './editor.css';

import { startEditorPage } from './editor-page.js';
import { TranslationsModule } from './translations-provider.js';
import { FormRefPickerModule } from './form-ref-picker.js';
import { addMissingDiagrams } from './layout.js';
import { onReady } from './common.js';

/**
 * A modeler with the Camunda 7 properties panel.
 * @param {HTMLElement} canvas  container of the diagram
 * @param {HTMLElement} properties  container of the properties panel
 * @param {{translate?: Function, formChoicesUrl?: string}} [options]  formChoicesUrl: the deployed forms
 *   for the formRef picker (without it the picker lists none and shows the current value)
 */
export function createModeler(canvas, properties, options = {}) {
  const additionalModules = [
    BpmnPropertiesPanelModule,
    BpmnPropertiesProviderModule,
    CamundaPlatformPropertiesProviderModule,
    CamundaBehaviorsModule,
    TranslationsModule, // the "Translations" group: names, documentation and form labels in English
    FormRefPickerModule, // "Forms": a select of the deployed Camunda Forms for camunda:formRef
  ];
  if (options.translate) {
    additionalModules.push({ translate: ['value', options.translate] });
  }
  return new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: properties },
    additionalModules,
    moddleExtensions: { camunda: camundaModdle },
    csFormChoices: { url: options.formChoicesUrl || null },
  });
}

window.CsModeler = { create: createModeler, prepare: addMissingDiagrams };

onReady(() => {
  const root = document.getElementById('cs-editor');
  if (root) startEditorPage(root, createModeler);
});
