// Bundles the BPMN editor, viewer and differ from npm into app/static/dist/ (no CDN at run time).
// Usage: npm run build            (minified)
//        npm run build -- --dev   (readable, with source maps)
import { build } from 'esbuild';
import { rm, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'app', 'static', 'dist');
const dev = process.argv.includes('--dev');

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });

const entries = {
  modeler: 'assets/modeler.js',   // window.CsModeler + the editor page
  viewer: 'assets/viewer.js',     // window.CsViewer.render(el, xml, {completed, active, incidents, counts})
  differ: 'assets/differ.js',     // window.CsDiffer.diff(oldXml, newXml)
  compare: 'assets/compare.js',   // the compare-versions page (uses CsViewer + CsDiffer)
  processes: 'assets/processes.js', // the process list and versions/migration page
  charts: 'assets/charts.js',       // window.CsCharts: FAB's chart views and the KPI trends (chart.js)
  'formjs-viewer': 'assets/formjs-viewer.js', // Camunda Forms (form-js) on the task and start pages
  'form-builder': 'assets/form-builder.js',   // the form builder (form-js editor) of the Forms pages
  dmn: 'assets/dmn-editor.js',      // window.CsDmnModeler + the decision editor page (dmn-js)
};

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: entries,
  outdir: OUT,
  bundle: true,
  format: 'iife',
  target: ['es2020'],
  minify: !dev,
  sourcemap: dev,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'dataurl', '.json': 'json' },
  assetNames: 'fonts/[name]-[hash]',
  define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' },
  // one preact: form-js's editor pins an older copy, but draws the viewer's fields (the newer copy);
  // two copies break hooks ("reading 'context'")
  alias: { preact: path.join(ROOT, 'node_modules', 'preact') },
});

for (const file of Object.keys(result.metafile.outputs).sort()) {
  if (file.endsWith('.map') || file.endsWith('.LEGAL.txt')) continue;
  const { size } = await stat(path.join(ROOT, file));
  console.log(`${file.padEnd(36)} ${(size / 1024).toFixed(1).padStart(8)} KB`);
}
