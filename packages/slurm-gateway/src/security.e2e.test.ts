// Per-endpoint security against the real cluster: scopes, per-token users, forged and expired
// tokens, root and system accounts, owners of jobs — and every refusal in the audit log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CliSlurmClient } from '@hpchub/slurm';
import type { FastifyInstance } from 'fastify';
import { ALICE, type AuditLine, BOB, bearer, submitBody, TOKENS, testGateway } from './test-support.js';

const direct = new CliSlurmClient({ userPrefix: ['runuser', '-u', '{user}', '--'] });
const SLEEP = [
  '#!/bin/bash',
  '#SBATCH --output=/dev/null',
  '#SBATCH --chdir=/tmp',
  '#SBATCH --time=5',
  '#SBATCH --mem=50M',
  'sleep 300',
  '',
].join('\n');

describe('slurm-gateway per-endpoint security', () => {
  let app: FastifyInstance;
  let audit: AuditLine[];
  const jobs: { id: string; user: string }[] = [];

  before(async () => {
    ({ app, audit } = await testGateway());
  });
  after(async () => {
    for (const job of jobs) await direct.cancel(job).catch(() => undefined);
    await app.close();
  });

  /** Asserts the last audit line is a refusal of `what` with `status`. */
  function refusedInAudit(what: string, status: number, who: string | null) {
    const line = audit.at(-1);
    assert.ok(line, 'an audit line was written');
    assert.equal(line.what, what);
    assert.equal(line.status, status);
    assert.equal(line.result, 'refused');
    assert.equal(line.who, who);
    assert.ok(line.reason, 'the refusal says why');
  }

  it('a token without submit cannot submit', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: bearer(TOKENS.readonly),
      payload: submitBody(ALICE),
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'forbidden');
    refusedInAudit('submit', 403, 'readonly');
  });

  it('a token without raw_script cannot submit a raw script', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs/raw',
      headers: bearer(TOKENS.alice),
      payload: { user: ALICE, script: SLEEP },
    });
    assert.equal(res.statusCode, 403);
    refusedInAudit('submit', 403, 'alice-only');
  });

  it('forged, malformed, missing and expired tokens get 401 on every endpoint', async () => {
    const calls = [
      { method: 'POST' as const, url: '/v1/jobs', payload: submitBody(ALICE) },
      { method: 'POST' as const, url: '/v1/jobs/query', payload: { jobs: [] } },
      { method: 'DELETE' as const, url: `/v1/jobs/1?user=${ALICE}` },
      { method: 'GET' as const, url: `/v1/jobs?user=${ALICE}` },
      { method: 'GET' as const, url: '/v1/cluster' },
      { method: 'GET' as const, url: '/v1/health' },
    ];
    for (const call of calls) {
      for (const headers of [
        bearer(`${TOKENS.admin}x`),
        bearer(TOKENS.expired),
        { authorization: `Basic ${TOKENS.admin}` },
        {},
      ]) {
        const res = await app.inject({ ...call, headers });
        assert.equal(res.statusCode, 401, `${call.method} ${call.url} ${JSON.stringify(headers)}`);
        assert.equal(audit.at(-1)?.status, 401);
        assert.equal(audit.at(-1)?.who, null);
      }
    }
  });

  it('a token limited to alice cannot submit as bob', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: bearer(TOKENS.alice),
      payload: submitBody(BOB),
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'user_not_allowed');
    refusedInAudit('submit', 403, 'alice-only');
    assert.deepEqual(audit.at(-1)?.for, [BOB]);
  });

  it('a token limited to alice cannot cancel bob’s job, nor query it', async () => {
    const id = await direct.submit({ user: BOB, script: SLEEP });
    jobs.push({ id, user: BOB });
    const asBob = await app.inject({
      method: 'DELETE',
      url: `/v1/jobs/${id}?user=${BOB}`,
      headers: bearer(TOKENS.alice),
    });
    assert.equal(asBob.statusCode, 403);
    refusedInAudit('cancel', 403, 'alice-only');
    // Naming alice as the owner does not help: the job's owner is checked with Slurm first.
    const asAlice = await app.inject({
      method: 'DELETE',
      url: `/v1/jobs/${id}?user=${ALICE}`,
      headers: bearer(TOKENS.alice),
    });
    assert.equal(asAlice.statusCode, 404);
    refusedInAudit('cancel', 404, 'alice-only');
    const query = await app.inject({
      method: 'POST',
      url: '/v1/jobs/query',
      headers: bearer(TOKENS.alice),
      payload: { jobs: [{ id, user: BOB }] },
    });
    assert.equal(query.statusCode, 403);
    const still = (await direct.query([{ id, user: BOB }])).get(id);
    assert.ok(
      still?.kind === 'job' && ['PENDING', 'RUNNING', 'CONFIGURING'].includes(still.job.state),
      JSON.stringify(still),
    );
  });

  it('root and system accounts (uid below min_uid) are refused, and so are unknown accounts', async () => {
    for (const user of ['root', 'daemon', 'nobody', 'slurm', 'hpchub-nohome', 'nobody-such-user']) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: bearer(TOKENS.admin),
        payload: submitBody(user),
      });
      if (res.statusCode === 201) jobs.push({ id: res.json().id, user });
      assert.equal(res.statusCode, 400, user);
      assert.equal(res.json().code, 'user_refused', user);
      refusedInAudit('submit', 400, 'admin');
      const raw = await app.inject({
        method: 'POST',
        url: '/v1/jobs/raw',
        headers: bearer(TOKENS.admin),
        payload: { user, script: SLEEP },
      });
      if (raw.statusCode === 201) jobs.push({ id: raw.json().id, user });
      assert.equal(raw.statusCode, 400, user);
      const cancel = await app.inject({
        method: 'DELETE',
        url: `/v1/jobs/1?user=${user}`,
        headers: bearer(TOKENS.admin),
      });
      assert.equal(cancel.statusCode, 400, user);
      const list = await app.inject({
        method: 'GET',
        url: `/v1/jobs?user=${user}`,
        headers: bearer(TOKENS.admin),
      });
      assert.equal(list.statusCode, 400, user);
      assert.equal(list.json().code, 'user_refused', user);
      refusedInAudit('list', 400, 'admin');
    }
  });

  it('listing a user’s jobs: only with the list endpoint, only for users the token may act for, only theirs', async () => {
    const alices = await direct.submit({ user: ALICE, script: SLEEP });
    jobs.push({ id: alices, user: ALICE });
    const bobs = await direct.submit({ user: BOB, script: SLEEP });
    jobs.push({ id: bobs, user: BOB });
    const withoutList = await app.inject({
      method: 'GET',
      url: `/v1/jobs?user=${ALICE}`,
      headers: bearer(TOKENS.readonly),
    });
    assert.equal(withoutList.statusCode, 403);
    assert.equal(withoutList.json().code, 'forbidden');
    refusedInAudit('list', 403, 'readonly');
    const bobsByAlice = await app.inject({
      method: 'GET',
      url: `/v1/jobs?user=${BOB}`,
      headers: bearer(TOKENS.alice),
    });
    assert.equal(bobsByAlice.statusCode, 403);
    assert.equal(bobsByAlice.json().code, 'user_not_allowed');
    refusedInAudit('list', 403, 'alice-only');
    for (const bad of [`/v1/jobs`, `/v1/jobs?user=-x`, `/v1/jobs?user=${ALICE}&extra=1`]) {
      const res = await app.inject({ method: 'GET', url: bad, headers: bearer(TOKENS.alice) });
      assert.equal(res.statusCode, 400, bad);
      refusedInAudit('list', 400, 'alice-only');
    }
    const listed = await app.inject({
      method: 'GET',
      url: `/v1/jobs?user=${ALICE}`,
      headers: bearer(TOKENS.alice),
    });
    assert.equal(listed.statusCode, 200, listed.body);
    const found = (listed.json() as { jobs: { id: string; user: string; comment: string }[] }).jobs;
    assert.ok(
      found.some((j) => j.id === alices && j.comment === ''),
      listed.body,
    );
    assert.ok(
      found.every((j) => j.user === ALICE && j.id !== bobs),
      listed.body,
    );
    const line = audit.at(-1);
    assert.deepEqual(
      { who: line?.who, what: line?.what, for: line?.for, result: line?.result },
      { who: 'alice-only', what: 'list', for: [ALICE], result: 'ok' },
    );
  });

  it('unknown partitions and out-of-bounds numbers are refused with a message per field', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: bearer(TOKENS.admin),
      payload: submitBody(ALICE, { partition: 'no-such-partition', cpus: 0 }),
    });
    assert.equal(res.statusCode, 400);
    assert.ok(res.json().validations.some((v: { field: string }) => v.field === 'cpus'));
    refusedInAudit('submit', 400, 'admin');
    const partition = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: bearer(TOKENS.admin),
      payload: submitBody(ALICE, { partition: 'no-such-partition' }),
    });
    assert.equal(partition.statusCode, 400);
    assert.equal(partition.json().validations[0].field, 'partition');
  });

  it('alice’s token submits a structured job for alice, and cancels it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: bearer(TOKENS.alice),
      payload: submitBody(ALICE),
    });
    assert.equal(res.statusCode, 201, res.body);
    const { id } = res.json() as { id: string };
    jobs.push({ id, user: ALICE });
    const line = audit.at(-1);
    assert.deepEqual(
      { who: line?.who, what: line?.what, for: line?.for, job: line?.job, result: line?.result },
      {
        who: 'alice-only',
        what: 'submit',
        for: [ALICE],
        job: id,
        result: 'ok',
      },
    );
    const cancel = await app.inject({
      method: 'DELETE',
      url: `/v1/jobs/${id}?user=${ALICE}`,
      headers: bearer(TOKENS.alice),
    });
    assert.ok([204, 404].includes(cancel.statusCode), cancel.body);
  });

  it('every refusal above is in the audit log, and no audit line carries a token', () => {
    assert.ok(audit.filter((l) => l.result === 'refused').length >= 30);
    for (const line of audit) {
      const text = JSON.stringify(line);
      for (const token of Object.values(TOKENS)) assert.ok(!text.includes(token));
    }
  });
});
