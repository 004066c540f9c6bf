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
      // A constrained parameter (`:id(^\\d+$)`) is documented as a plain one.
      const path = route.path.replace(/:(\w+)(\([^)]*\))?/g, '{$1}');
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

// What Schemathesis found the document did not say (tests/api-fuzz.test.ts runs it in full).
test('the document says what each operation needs and may answer, and links the operations', async () => {
  const hub = await TestHub.start();
  try {
    // biome-ignore lint/suspicious/noExplicitAny: walking the generated JSON document
    const doc = (await hub.api<any>('GET', '/openapi.json')).body;
    const op = (method: string, path: string) => doc.paths[`/hub/api${path}`][method];
    // Public routes need no token; agents' messages take the server's secret header instead.
    assert.deepEqual(op('get', '').security, []);
    assert.deepEqual(op('get', '/agent/probe').security, []);
    assert.deepEqual(op('post', '/agent/servers/{id}/ready').security, [{ agentSecret: [] }]);
    assert.equal(doc.components.securitySchemes.agentSecret.name, 'x-hpchub-agent-secret');
    assert.equal(op('get', '/users').security, undefined, 'the document-wide token');
    // Any request with an invalid token is refused with 401, public routes included.
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, o] of Object.entries(ops as Record<string, { responses: object }>))
        assert.ok('401' in o.responses, `${method} ${path} documents 401`);
    // A body whose fields are all optional may be left out.
    assert.equal(op('post', '/groups/{group}').requestBody.required, false);
    assert.equal(op('post', '/users/{name}/tokens').requestBody.required, false);
    // Progress is a stream of events whose data is a ProgressEvent.
    const progress = op('get', '/users/{name}/server/progress').responses;
    assert.ok(progress['200'].content['text/event-stream']);
    assert.ok(progress['404'].content['application/json']);
    assert.ok(doc.components.schemas.ProgressEvent);
    // A created token links to reading and revoking it.
    const links = op('post', '/users/{name}/tokens').responses['201'].links;
    assert.deepEqual(Object.keys(links).sort(), [
      'deleteUsersNameTokensToken_id',
      'getUsersNameTokensToken_id',
    ]);
    assert.equal(links.getUsersNameTokensToken_id.parameters.token_id, '$response.body#/id');
  } finally {
    await hub.stop();
  }
});
