// `hpchub-agent --probe`, the real bundle in a process of its own, against small servers standing
// for a hub: an hpchub hub, one with a clock a minute ahead, something that is not a hub, nothing
// at all, and a hub behind a certificate nobody signed. Each gives the exit code the doctor reads.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AGENT_ENV, generateCertificate, PROBE_EXIT, PROBE_PATH } from '@hpchub/protocol';
import { createLogger } from './log.js';
import { runProbe } from './probe.js';
import { NODE, Sandbox } from './test-support/agent-process.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A hub answering the probe with its clock `offsetMs` away from ours. */
const hubAnswer =
  (offsetMs = 0): Handler =>
  (req, res) => {
    if (req.url !== `/hub/api/agent${PROBE_PATH}`) return void res.writeHead(404).end('not here');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        hub: 'hpchub',
        version: '9.9.9',
        time: new Date(Date.now() + offsetMs).toISOString(),
      }),
    );
  };

async function serve(
  handler: Handler,
  tls?: { cert: string; key: string },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/hub/api/agent`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('hpchub-agent --probe', () => {
  let sandbox: Sandbox;
  before(() => {
    sandbox = new Sandbox();
  });
  after(() => sandbox.cleanup());

  /** Runs the bundle with --probe against `hubUrl`; its exit code and its one JSON log line. */
  function probe(hubUrl: string): Promise<{ code: number | null; line: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const child = spawn(NODE, [sandbox.bundle, '--probe'], {
        env: { PATH: '/usr/bin:/bin', [AGENT_ENV.hubUrl]: hubUrl },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += String(c);
      });
      child.on('error', reject);
      child.on('close', (code) => {
        const last = stderr.trim().split('\n').at(-1) ?? '{}';
        resolve({ code, line: JSON.parse(last) });
      });
    });
  }

  test('an hpchub hub with the same clock: exit 0, the skew and the hub version logged', async () => {
    const hub = await serve(hubAnswer());
    try {
      const { code, line } = await probe(hub.url);
      assert.equal(code, PROBE_EXIT.ok);
      assert.equal(line.event, 'probe');
      assert.equal(line.result, 'ok');
      assert.equal(line.hub_version, '9.9.9');
      assert.equal(typeof line.skew_ms, 'number');
      assert.ok(Math.abs(line.skew_ms as number) < 5000);
      assert.equal(line.node, process.version);
    } finally {
      await hub.close();
    }
  });

  test('a hub whose clock is a minute ahead: clock skew', async () => {
    const hub = await serve(hubAnswer(60_000));
    try {
      const { code, line } = await probe(hub.url);
      assert.equal(code, PROBE_EXIT.clockSkew);
      assert.ok((line.skew_ms as number) > 50_000);
    } finally {
      await hub.close();
    }
  });

  test('something that is not a hub: not_a_hub', async () => {
    const other = await serve((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>nginx</h1>'),
    );
    try {
      const { code, line } = await probe(other.url);
      assert.equal(code, PROBE_EXIT.notAHub);
      assert.equal(line.result, 'not_a_hub');
    } finally {
      await other.close();
    }
  });

  test('nothing listening: hub_unreachable, after retrying', async () => {
    const gone = await serve(hubAnswer());
    await gone.close();
    const { code, line } = await probe(gone.url);
    assert.equal(code, PROBE_EXIT.hubUnreachable);
    assert.equal(line.detail, 'ECONNREFUSED');
  });

  test('an https hub whose certificate no CA signed: hub_tls', async () => {
    const certificate = generateCertificate({ altNames: ['127.0.0.1'] });
    const hub = await serve(hubAnswer(), { cert: certificate.certPem, key: certificate.keyPem });
    try {
      const { code, line } = await probe(hub.url);
      assert.equal(code, PROBE_EXIT.hubTls);
      assert.equal(line.result, 'hub_tls');
    } finally {
      await hub.close();
    }
  });
});

test('a Node.js older than the agent supports: node_too_old, before any request', async () => {
  const lines: string[] = [];
  const code = await runProbe(
    { [AGENT_ENV.hubUrl]: 'http://127.0.0.1:9/hub/api/agent' },
    createLogger((l) => lines.push(l)),
    {
      nodeVersion: 'v18.19.0',
    },
  );
  assert.equal(code, PROBE_EXIT.nodeTooOld);
  assert.match(lines.join(''), /"result":"node_too_old"/);
});
