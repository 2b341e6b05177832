// The decision table editor: dmn-js Modeler (decision table, DRD, literal expressions) in the
// reader's language, exposed as window.CsDmnModeler; on the editor page (#cs-dmn-editor) it
// also runs the page (assets/dmn-editor-page.js).
import DmnModeler from 'dmn-js/lib/Modeler';

import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression-controls.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import './editor.css';
import './dmn-editor.css';

import { makeTranslate } from './translate-zh.js';
import { DMN_ZH } from './translate-dmn-zh.js';
import { startDecisionEditorPage } from './dmn-editor-page.js';
import { onReady } from './common.js';

/** A dmn-js modeler whose every view speaks ``locale`` (zh or en). */
export function createDmnModeler(container, locale) {
  const translated = { additionalModules: [{ translate: ['value', makeTranslate(locale, DMN_ZH)] }] };
  // each view's own options: dmn-js replaces (does not merge) common.additionalModules with them
  return new DmnModeler({
    container,
    drd: translated,
    decisionTable: translated,
    literalExpression: translated,
    boxedExpression: translated,
  });
}

window.CsDmnModeler = { create: createDmnModeler };

onReady(() => {
  const root = document.getElementById('cs-dmn-editor');
  if (root) startDecisionEditorPage(root, createDmnModeler);
});
