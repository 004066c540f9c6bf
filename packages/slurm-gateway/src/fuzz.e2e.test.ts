// Fuzzing every endpoint from the gateway's own OpenAPI document: for each operation, requests
// built from a valid one with fields replaced by random, boundary-breaking and hostile values
// (shell syntax, `#SBATCH` injections, path traversal, NUL, huge strings, wrong types), plus
// hostile path and query values, unknown fields and garbage bodies. None may answer 5xx, and no
// job may reach Slurm: the gateway's Slurm client is watched, and the queue compared before/after.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliSlurmClient, type SlurmClient } from '@hpchub/slurm';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildGateway } from './app.js';
import { SubmitBodySchema } from './schemas.js';
import { ALICE, bearer, submitBody, TOKENS, testConfig } from './test-support.js';

type Json = unknown;
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: Schema[];
}

/** A small seeded generator (mulberry32), so a failure can be replayed with FUZZ_SEED. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  '$(id)',
  '`touch /tmp/hpchub-fuzz`',
  "'; rm -rf / #",
  'a\n#SBATCH --uid=0',
  'x --partition=debug',
  '../../etc/passwd',
  '/etc/shadow',
  'a\u0000b',
  '-p',
  '--help',
  'root',
  '0',
  '\u202e\u00e9\u{1f600}',
  '%s%n%x',
  '{"a":1}',
  'a'.repeat(70),
  'x'.repeat(5000),
];
const HOSTILE_OTHER: Json[] = [null, true, [], {}, [1, 2], { $gt: 0 }, 1e308, -0, 2 ** 53, 1.5, -1];

function hostile(schema: Schema | undefined, rand: () => number): Json {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
  if (schema?.type === 'integer' || schema?.type === 'number') {
    const bounds = [schema.minimum, schema.maximum].filter((n): n is number => n !== undefined);
    const edge = [
      ...bounds.map((b) => (b === schema.minimum ? b - 1 : b + 1)),
      0.5,
      '1',
      '',
      null,
      -(2 ** 31),
      2 ** 63,
    ];
    return rand() < 0.7 ? pick(edge) : pick([...HOSTILE_STRINGS, ...HOSTILE_OTHER]);
  }
  if (schema?.type === 'string' && schema.maxLength !== undefined && rand() < 0.2)
    return 'a'.repeat(schema.maxLength + 1);
  return rand() < 0.75 ? pick(HOSTILE_STRINGS) : pick(HOSTILE_OTHER);
}

/** Every path of a body schema's leaves and objects ('' is the whole body). */
function paths(schema: Schema, prefix: string[] = []): { path: string[]; schema: Schema }[] {
  const out = [{ path: prefix, schema }];
  for (const [key, sub] of Object.entries(schema.properties ?? {})) out.push(...paths(sub, [...prefix, key]));
  return out;
}

function replaced(body: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value;
  const copy = structuredClone(body) as Record<string, Json>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = (at[key] ?? {}) as Record<string, Json>;
  const last = path.at(-1) as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

const VALID: Record<string, Json> = {
  'post /v1/jobs': submitBody(ALICE),
  'post /v1/jobs/raw': { user: ALICE, script: '#!/bin/bash\n#SBATCH --time=1\ntrue\n' },
  'post /v1/jobs/query': { jobs: [{ id: '1', user: ALICE }] },
};

/**
 * Ids of the jobs in the queue, leaving out the hub's own (comment `hpchub-server-…`: other
 * packages' tests may run at the same time; the fuzzer never sends such a comment). Waits while
 * the controller does not answer (other tests restart it).
 */
async function queue(): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return execFileSync('squeue', ['--noheader', '--format=%i|%k'], { encoding: 'utf8', stdio: 'pipe' })
        .split('\n')
        .filter((line) => line && !line.includes('|hpchub-server-'))
        .map((line) => line.split('|')[0] as string);
    } catch (err) {
      if (attempt >= 60) throw err;
      await sleep(1000);
    }
  }
}

describe('fuzzing every endpoint from the OpenAPI document', () => {
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
  const rand = random(seed);
  let app: FastifyInstance;
  let submits = 0;
  const queued = new Set<string>();

  before(async () => {
    for (const id of await queue()) queued.add(id);
    const real = new CliSlurmClient({ userPrefix: ['runuser', '-u', '{user}', '--'] });
    const watched: SlurmClient = {
      submit: (r) => {
        submits++;
        return real.submit(r);
      },
      query: (j) => real.query(j),
      cancel: (j) => real.cancel(j),
      listJobs: (u) => real.listJobs(u),
      clusterInfo: () => real.clusterInfo(),
    };
    app = await buildGateway({ config: testConfig(), logger: pino({ level: 'silent' }), client: watched });
    await app.ready();
  });
  after(() => app.close());

  it(`answers thousands of generated requests without a 5xx or a job (seed ${seed})`, async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json() as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: { 'application/json': { schema: Schema } } } }>
      >;
    };
    const statuses = new Map<number, number>();
    let sent = 0;
    for (const [route, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const key = `${method} ${route}`;
        const bodySchema = operation.requestBody?.content['application/json'].schema;
        const targets = bodySchema ? paths(bodySchema) : [];
        for (let i = 0; i < 600; i++) {
          const token = rand() < 0.9 ? TOKENS.admin : (hostile(undefined, rand) as string);
          const id = rand() < 0.5 ? hostile({ type: 'string' }, rand) : String(Math.floor(rand() * 1e6));
          const user = rand() < 0.5 ? hostile({ type: 'string' }, rand) : ALICE;
          const url = `${route.replace('{id}', encodeURIComponent(String(id)))}?user=${encodeURIComponent(String(user))}${rand() < 0.1 ? '&extra=1' : ''}`;
          let payload: Json;
          if (bodySchema) {
            const target = targets[Math.floor(rand() * targets.length)] as { path: string[]; schema: Schema };
            payload = replaced(
              VALID[key],
              target.path,
              rand() < 0.1 ? undefined : hostile(target.schema, rand),
            );
            if (rand() < 0.1) payload = { ...(payload as object), unknown_field: '$(id)' };
            // A value the schema accepts (a quoted string inside the agent spec) is no failure of
            // validation: such a request is sent for an account that may not run jobs instead.
            if (key === 'post /v1/jobs' && Value.Check(SubmitBodySchema, payload))
              payload = { ...(payload as object), user: 'daemon' };
          }
          const res = await app.inject({
            method: method.toUpperCase() as 'GET',
            url: route.includes('{id}') || rand() < 0.3 ? url : route,
            headers: {
              ...bearer(String(token)),
              'content-type': rand() < 0.05 ? 'text/plain' : 'application/json',
            },
            ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
          });
          sent++;
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          assert.ok(
            res.statusCode < 500,
            `${key} ${url} ${JSON.stringify(payload)?.slice(0, 300)} → ${res.statusCode} ${res.body}`,
          );
          assert.notEqual(res.statusCode, 201, `${key} submitted ${JSON.stringify(payload)?.slice(0, 300)}`);
        }
      }
    }
    assert.ok(sent >= 3000, `sent ${sent}`);
    assert.equal(submits, 0, 'no request reached sbatch');
    const fresh = (await queue()).filter((id) => !queued.has(id));
    assert.deepEqual(fresh, [], 'no job appeared in the queue');
    console.log(
      `fuzz seed ${seed}: ${sent} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  });
});
