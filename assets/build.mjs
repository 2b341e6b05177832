// Bundles the BPMN editor, viewer and differ from npm into app/static/dist/ (no CDN at run time).
// Usage: npm run build            (minified)
//        npm run build -- --dev   (readable, with source maps)
import { build } from 'esbuild';
import { readFile, rm, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'app', 'static', 'dist');
const dev = process.argv.includes('--dev');

// Compile .bpmnlintrc into a module that bundles every enabled rule (what
// bpmnlint-pack-config / the rollup plugin do), served as a virtual import.
const bpmnlintConfigPlugin = {
  name: 'bpmnlint-config',
  setup(b) {
    b.onResolve({ filter: /^bpmnlint-config$/ }, () => ({ path: path.join(ROOT, '.bpmnlintrc'), namespace: 'bpmnlint-config' }));
    b.onLoad({ filter: /.*/, namespace: 'bpmnlint-config' }, async (args) => {
      const compileConfig = require('bpmnlint/lib/support/compile-config');
      const config = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: await compileConfig(config), loader: 'js', resolveDir: ROOT, watchFiles: [args.path] };
    });
  },
};

await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });

const entries = {
  modeler: 'assets/modeler.js',   // window.CsModeler + the editor page
  viewer: 'assets/viewer.js',     // window.CsViewer.render(el, xml, {completed, active, incidents, counts})
  differ: 'assets/differ.js',     // window.CsDiffer.diff(oldXml, newXml)
  compare: 'assets/compare.js',   // the compare-versions page (uses CsViewer + CsDiffer)
  processes: 'assets/processes.js', // the process list and versions/migration page
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
  plugins: [bpmnlintConfigPlugin],
});

for (const file of Object.keys(result.metafile.outputs).sort()) {
  if (file.endsWith('.map') || file.endsWith('.LEGAL.txt')) continue;
  const { size } = await stat(path.join(ROOT, file));
  console.log(`${file.padEnd(36)} ${(size / 1024).toFixed(1).padStart(8)} KB`);
}
