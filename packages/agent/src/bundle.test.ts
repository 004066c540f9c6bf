// The bundle is one self-contained file: it runs whether Node loads it as CommonJS (a copy in a
// directory without package.json, as the hub deploys it) or as an ES module (beside a package.json
// with "type": "module", as in dist/), and it loads nothing but Node's built-in modules.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { NODE, Sandbox } from './test-support/agent-process.js';

let sandbox: Sandbox;
before(() => {
  sandbox = new Sandbox();
});
after(() => sandbox.cleanup());

test('runs as CommonJS and as an ES module', () => {
  assert.equal(execFileSync(NODE, [sandbox.bundle, '--version']).toString().trim(), '0.1.0');
  const esm = path.join(sandbox.dir, 'esm');
  mkdirSync(esm);
  writeFileSync(path.join(esm, 'package.json'), '{"type": "module"}');
  copyFileSync(sandbox.bundle, path.join(esm, 'hpchub-agent.js'));
  assert.equal(
    execFileSync(NODE, [path.join(esm, 'hpchub-agent.js'), '--version'])
      .toString()
      .trim(),
    '0.1.0',
  );
  assert.match(execFileSync(NODE, [sandbox.bundle, '--help']).toString(), /HPCHUB_AGENT_SPEC/);
});

test('the built-ins first needed once the app runs (HTTP, HTTPS, TLS) are loaded when first used, not at start', () => {
  // What Node has loaded once the bundle has run its top level (`--version` returns right after).
  const loaded = (file: string) =>
    JSON.parse(
      execFileSync(NODE, [
        '-e',
        `process.argv[2] = '--version'; require(${JSON.stringify(file)}); process.stdout.write('\\n' + JSON.stringify(process.moduleLoadList));`,
      ])
        .toString()
        .split('\n')
        .at(-1) as string,
    ) as string[];
  const atStart = loaded(sandbox.bundle);
  for (const name of ['http', 'https', 'tls']) assert.ok(!atStart.includes(`NativeModule ${name}`), name);
  assert.ok(atStart.includes('NativeModule child_process'), 'the others are loaded at start');
});

test('loads only built-in modules', () => {
  const text = readFileSync(sandbox.bundle, 'utf8');
  assert.ok(text.startsWith('#!/usr/bin/env node\n'));
  assert.doesNotMatch(text, /^\s*import\s|^\s*export\s/m, 'no ES module syntax');
  const loaded = [...text.matchAll(/__hpchubBuiltin\("([^"]+)"\)/g)].map((m) => m[1] as string);
  assert.ok(loaded.length > 0);
  for (const name of loaded) assert.ok(builtinModules.includes(name.replace(/^node:/, '')), name);
  assert.doesNotMatch(text.replace(/typeof require === "function" \? require :/, ''), /\brequire\(/);
});
