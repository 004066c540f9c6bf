// The OpenAPI document is generated from the route schemas; every API route must be in it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestHub } from '../test-support/hub.js';
import { API_PREFIX } from './routes.js';

test('every route under /hub/api is in /hub/api/openapi.json, with its methods', async () => {
  const hub = await TestHub.start();
  try {
    const res = await hub.api<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      'GET',
      '/openapi.json',
    );
    assert.equal(res.status, 200);
    assert.match(res.body.openapi, /^3\./);
    const documented = new Set(
      Object.entries(res.body.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const registered: string[] = [];
    for (const route of registeredRoutes(hub.running.app.printRoutes({ commonPrefix: false }))) {
      if (!route.path.startsWith(API_PREFIX) || route.path.endsWith('/openapi.json')) continue;
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      for (const method of route.methods) if (method !== 'HEAD') registered.push(`${method} ${path}`);
    }
    assert.ok(registered.length >= 15, `found ${registered.length} API routes`);
    const missing = registered.filter((r) => !documented.has(r) && !documented.has(`${r}/`));
    assert.deepEqual(missing, [], 'routes missing from the OpenAPI document');
    // Every documented operation has a summary, and errors use the shared Error schema.
    for (const [path, ops] of Object.entries(res.body.paths)) {
      for (const [method, op] of Object.entries(ops as Record<string, { summary?: string }>)) {
        assert.ok(op.summary, `${method} ${path} has no summary`);
      }
    }
    assert.match(JSON.stringify(res.body), /#\/components\/schemas\/Error/);
  } finally {
    await hub.stop();
  }
});

/** Reads Fastify's printed route tree (four columns per level) back into full paths. */
function registeredRoutes(tree: string): { path: string; methods: string[] }[] {
  const stack: string[] = [];
  const out: { path: string; methods: string[] }[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([\s│├└─]*)(\S.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    out.push({ path: stack.join(''), methods: (match[3] ?? '').split(', ') });
  }
  return out;
}
