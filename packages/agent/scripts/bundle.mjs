#!/usr/bin/env node
// Bundles the agent (src/main.ts and everything it imports, @hpchub/protocol and TypeBox
// included) into ONE file with no runtime dependency: dist/hpchub-agent.js, or the path given
// as the first argument. The hub copies that file to a world-readable place and jobs run it
// with the node on the compute node.
//
// The file must run whether Node treats it as CommonJS (a copy in a directory without
// package.json: the usual case) or as an ES module (here, beside package.json's "type":
// "module"). So it is an IIFE without import statements, and Node's built-in modules come
// from `require` when there is one, else from process.getBuiltinModule (Node >= 20.16).
//
// Node loads a built-in module when it is required, and the bundle requires every one at its
// start. The agent's start is on the critical path of every server's start only until it has
// spawned the app (which then takes seconds to answer), so the built-ins first needed after that
// (LAZY: the hub client's and the TLS listener's) are stand-ins with one getter per export, which
// load the real module on first use (their names are read from this Node at build time).
import { chmodSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(resolve(here, '../package.json'), 'utf8'));
const outfile = resolve(process.argv[2] ?? resolve(here, '../dist/hpchub-agent.js'));
const builtins = new Set(builtinModules);
const LAZY = new Set(['http', 'https', 'tls']);
const require = createRequire(import.meta.url);

/** The module of built-in `name`: the real one, or for LAZY ones a stand-in that loads it on first use. */
function builtinModule(name) {
  const load = `__hpchubBuiltin(${JSON.stringify(`node:${name}`)})`;
  if (!LAZY.has(name)) return `module.exports = ${load};`;
  const getters = Object.keys(require(`node:${name}`)).map(
    (key) => `get ${JSON.stringify(key)}() { return real()[${JSON.stringify(key)}]; }`,
  );
  return `var loaded;\nfunction real() { return (loaded ??= ${load}); }\nmodule.exports = {\n${getters.join(',\n')}\n};`;
}

const builtinPlugin = {
  name: 'node-builtins',
  setup(b) {
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!builtins.has(name)) return undefined;
      return { path: name, namespace: 'node-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: builtinModule(args.path),
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: [resolve(here, '../src/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'iife',
  minify: false,
  legalComments: 'none',
  plugins: [builtinPlugin],
  define: { HPCHUB_AGENT_VERSION: JSON.stringify(pkg.version) },
  banner: {
    js: [
      '#!/usr/bin/env node',
      `// hpchub-agent ${pkg.version}, bundled: no dependencies beyond Node.js >= 20.`,
      'var __hpchubBuiltin = typeof require === "function" ? require : function (name) {',
      '  if (typeof process.getBuiltinModule !== "function") throw new Error("hpchub-agent: run it as a CommonJS file (outside a package with \\"type\\": \\"module\\") or with Node.js >= 20.16");',
      '  return process.getBuiltinModule(name);',
      '};',
    ].join('\n'),
  },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
