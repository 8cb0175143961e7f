// perf's Plotly bundle: plotly.js core (which always carries the scatter trace) plus the trace
// types listed in traces.json, the ones dashboards/figures.py draws; about a fifth of the full
// bundle's bytes. `make plotly-bundle` runs this after `npm ci`, so the output depends only on
// package-lock.json; tests/dashboards/test_plotly_bundle.py checks the result against the figures.
//
// The options are those of plotly.js's own build (its esbuild-config.js and
// tasks/util/bundle_wrapper.mjs), minus what only traces we leave out need: no WebGL shaders, no
// map stylesheet, no `stream` shim.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
// The same plugin plotly.js's dist bundles use: it drops the attributes' descriptions, which
// only the schema and the docs read.
const stripMeta = require('plotly.js/tasks/compress_attributes.js');

const OUT = new URL('../../static/js/plotly-perf.min.js', import.meta.url);
const traces = JSON.parse(readFileSync(new URL('traces.json', import.meta.url), 'utf8'));
const { version } = require('plotly.js/package.json');

// Only map subplots (not bundled) require their stylesheet; plotly.js needs a CSS plugin for
// it, we need an empty module so that the unreachable require resolves.
const noMapStyles = {
  name: 'no-map-styles',
  setup(builder) {
    builder.onResolve({ filter: /\.css$/ }, (args) => ({ path: args.path, namespace: 'no-css' }));
    builder.onLoad({ filter: /.*/, namespace: 'no-css' }, () => ({ contents: '', loader: 'js' }));
  },
};

const entry = [
  "var Plotly = require('plotly.js/lib/core');",
  `Plotly.register([${traces.filter((t) => t !== 'scatter').map((t) => `require('plotly.js/lib/${t}')`).join(', ')}]);`,
  'module.exports = Plotly;',
].join('\n');

const result = await build({
  stdin: { contents: entry, resolveDir: new URL('.', import.meta.url).pathname, loader: 'js' },
  bundle: true,
  format: 'iife',
  globalName: 'Plotly',
  minify: true,
  target: 'es2016',
  define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
  plugins: [noMapStyles, stripMeta],
  write: false,
  logLevel: 'warning',
});

const header =
  `/*! plotly.js v${version} (perf: ${traces.join(', ')}) | Copyright 2012-2025, Plotly, Inc. |` +
  ' MIT license | built by static-src/plotly/build.mjs */\n';
const code = result.outputFiles[0].text;
// `var Plotly = …` at the top level of a classic script: the page's global Plotly.
writeFileSync(OUT, header + code);
console.log(`${OUT.pathname}: ${Buffer.byteLength(header + code)} bytes`);
