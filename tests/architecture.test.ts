// The map of docs/architecture.md, enforced: which package and which folder of the hub may import
// which. Product code (not tests, not test support) is read for its imports, and every import
// must follow an allowed edge; the allowed edges form no circle, so the folders import in one
// direction — pages and the API call the spawning service, the service calls the spawners, the
// proxy knows its route table, its authorizer and its pages interface only.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');

/** Packages and the packages each may use. */
const PACKAGES: Record<string, string[]> = {
  protocol: [],
  slurm: ['protocol'],
  agent: ['protocol'],
  hub: ['protocol', 'slurm'],
  'slurm-gateway': ['protocol', 'slurm', 'agent'],
};

/**
 * The hub's folders (packages/hub/src/<folder>/) and the folders each may import. `context` is
 * context.ts (the types the parts share); `root` is app.ts, hub.ts and generate-docs.ts, which
 * put the parts together and may import anything.
 */
const HUB: Record<string, string[]> = {
  util: [],
  errors: [],
  config: ['errors'],
  db: ['config', 'errors'],
  users: ['db', 'errors', 'util'],
  auth: ['config', 'db', 'errors', 'users', 'util'],
  news: ['auth', 'db', 'errors', 'util'],
  shares: ['auth', 'db', 'errors', 'users', 'util'],
  presets: ['auth', 'config', 'db', 'errors', 'util'],
  notebooks: ['config', 'db', 'errors', 'spawn', 'util'],
  apps: ['config', 'errors'],
  usage: ['config', 'db', 'errors', 'users', 'util'],
  modules: ['config', 'errors'],
  context: ['auth', 'config', 'db'],
  ui: ['auth', 'config', 'errors'],
  spawn: ['apps', 'auth', 'config', 'context', 'db', 'errors', 'modules', 'usage', 'users', 'util'],
  proxy: ['auth', 'config', 'context', 'db', 'errors', 'shares', 'util'],
  http: ['auth', 'config', 'db', 'errors', 'ui', 'users'],
  services: ['auth', 'config'],
  metrics: ['auth', 'config', 'db', 'errors', 'proxy', 'spawn'],
  'agent-api': ['errors', 'http', 'spawn'],
  api: [
    'apps',
    'auth',
    'config',
    'context',
    'db',
    'errors',
    'http',
    'news',
    'notebooks',
    'presets',
    'services',
    'shares',
    'spawn',
    'ui',
    'usage',
    'users',
    'util',
  ],
  web: [
    'apps',
    'auth',
    'config',
    'context',
    'db',
    'errors',
    'http',
    'news',
    'notebooks',
    'presets',
    'proxy',
    'shares',
    'spawn',
    'ui',
    'usage',
    'users',
    'util',
  ],
  doctor: ['auth', 'config', 'db', 'spawn'],
  cli: ['auth', 'config', 'context', 'db', 'doctor', 'errors', 'root', 'users', 'util'],
  root: ['*'],
};

/** Folders whose insides are their own business: others import only their index.ts. */
const SURFACES = ['spawn', 'proxy'];

/** In spawn/, the spawners know the Spawner contract, never the service that drives them. */
const SPAWNERS = /^spawn\/(local|slurm)\//;
const SPAWNER_MAY_USE = /^spawn\/(spawner|names)\.ts$/;

export interface Import {
  from: string;
  to: string;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

const isTestCode = (path: string) => /\.test\.ts$|(^|\/)test-support(\/|\.ts$)/.test(path);

/** Every import of product code, as paths relative to the repository (or `@hpchub/x` for packages). */
function productImports(): Import[] {
  const out: Import[] = [];
  for (const pkg of Object.keys(PACKAGES)) {
    for (const file of walk(join(ROOT, 'packages', pkg, 'src')).filter((f) => !isTestCode(f))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)) {
        const spec = m[1] as string;
        const from = relative(ROOT, file);
        if (spec.startsWith('.'))
          out.push({ from, to: relative(ROOT, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))) });
        else if (spec.startsWith('@hpchub/')) out.push({ from, to: spec });
      }
    }
  }
  return out;
}

/** The hub folder a path of packages/hub/src belongs to, in the terms of HUB. */
function hubFolder(path: string): string | undefined {
  const rest = path.match(/^packages\/hub\/src\/(.*)$/)?.[1];
  if (rest === undefined) return undefined;
  if (!rest.includes('/')) return rest === 'context.ts' ? 'context' : 'root';
  return rest.split('/')[0];
}

/** What is wrong with these imports; empty when they follow the map. */
export function violations(imports: Import[]): string[] {
  const problems: string[] = [];
  for (const { from, to } of imports) {
    const fromPkg = from.split('/')[1] as string;
    if (isTestCode(to)) {
      problems.push(`${from} imports test code ${to}`);
      continue;
    }
    const toPkg = to.startsWith('@hpchub/') ? to.slice('@hpchub/'.length).split('/')[0] : to.split('/')[1];
    if (to.startsWith('@hpchub/') && to.split('/').length > 2)
      problems.push(`${from} imports ${to}, which is not a package's public entry`);
    if (toPkg !== fromPkg) {
      if (!to.startsWith('@hpchub/')) problems.push(`${from} reaches into another package by path: ${to}`);
      else if (!PACKAGES[fromPkg]?.includes(toPkg as string))
        problems.push(`package ${fromPkg} may not use ${to} (${from})`);
      continue;
    }
    if (fromPkg !== 'hub') continue;
    const a = hubFolder(from) as string;
    const b = hubFolder(to) as string;
    if (a === b) {
      const inner = (p: string) => p.replace(/^packages\/hub\/src\//, '');
      if (SPAWNERS.test(inner(from)) && !SPAWNERS.test(inner(to)) && !SPAWNER_MAY_USE.test(inner(to)))
        problems.push(`spawner ${from} imports ${to}: spawners know only the Spawner contract`);
      continue;
    }
    const allowed = HUB[a];
    if (!allowed)
      problems.push(
        `${from} is in a folder the map does not know (${a}): add it to tests/architecture.test.ts`,
      );
    else if (!allowed.includes('*') && !allowed.includes(b))
      problems.push(`${a}/ may not import ${b}/ (${from} → ${to})`);
    if (SURFACES.includes(b) && a !== 'root' && !to.endsWith(`/${b}/index.ts`))
      problems.push(`${from} imports ${to}: outside ${b}/, only ${b}/index.ts may be imported`);
  }
  return problems;
}

/** A circle in the allowed map, if there is one. */
function circle(map: Record<string, string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'visiting');
    path.push(node);
    for (const next of (map[node] ?? []).filter((n) => n !== '*')) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of Object.keys(map)) {
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

describe('the architecture', () => {
  it('allows no circle between packages or between the hub’s folders', () => {
    assert.equal(circle(PACKAGES), null);
    assert.equal(circle(HUB), null);
  });

  it('product code imports only along the allowed edges', () => {
    const imports = productImports();
    assert.ok(imports.length > 500, `read the imports (${imports.length})`);
    assert.deepEqual(violations(imports), []);
  });

  it('names each kind of wrong import', () => {
    const hub = (p: string) => `packages/hub/src/${p}`;
    assert.deepEqual(
      violations([
        { from: hub('spawn/service.ts'), to: hub('web/render.ts') },
        { from: hub('proxy/proxy.ts'), to: hub('ui/layout.ts') },
        { from: hub('web/home/routes.ts'), to: hub('spawn/servers-store.ts') },
        { from: hub('spawn/slurm/spawner.ts'), to: hub('spawn/service.ts') },
        { from: hub('api/servers.ts'), to: hub('test-support/fake-spawner.ts') },
        { from: 'packages/agent/src/agent.ts', to: '@hpchub/slurm' },
        { from: 'packages/hub/src/app.ts', to: 'packages/slurm/src/client.ts' },
      ]).map((p) => p.split(' ')[0]),
      [
        'spawn/',
        'proxy/',
        'packages/hub/src/web/home/routes.ts',
        'spawner',
        'packages/hub/src/api/servers.ts',
        'package',
        'packages/hub/src/app.ts',
      ],
    );
  });
});
