// The BPMN editor: bpmn-js Modeler + Camunda 7 properties panel + bpmnlint,
// exposed as window.CsModeler; on the editor page (#cs-editor) it also runs the page.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import lintModule from 'bpmn-js-bpmnlint';
import bpmnlintConfig from 'bpmnlint-config';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './bpmn-font.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import './editor.css';

import { startEditorPage } from './editor-page.js';
import { onReady } from './common.js';

/**
 * A modeler with the Camunda 7 properties panel and linting.
 * @param {HTMLElement} canvas  container of the diagram
 * @param {HTMLElement} properties  container of the properties panel
 * @param {{lint?: boolean, translate?: Function}} [options]
 */
export function createModeler(canvas, properties, options = {}) {
  const additionalModules = [
    BpmnPropertiesPanelModule,
    BpmnPropertiesProviderModule,
    CamundaPlatformPropertiesProviderModule,
    CamundaBehaviorsModule,
    lintModule,
  ];
  if (options.translate) {
    additionalModules.push({ translate: ['value', options.translate] });
  }
  return new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: properties },
    linting: { bpmnlint: bpmnlintConfig, active: options.lint !== false },
    additionalModules,
    moddleExtensions: { camunda: camundaModdle },
  });
}

window.CsModeler = { create: createModeler };

onReady(() => {
  const root = document.getElementById('cs-editor');
  if (root) startEditorPage(root, createModeler);
});
