// /hub/metrics scraped by a real Prometheus after a real spawn (local spawner, real agent, a tiny
// app): PromQL through Prometheus' HTTP API answers the number of running servers, the spawn
// duration histogram, the request through the proxy to the app with its bytes, and a refused
// login; a scrape without the token is refused, as is a token without the scope.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServerModel } from '@hpchub/protocol';
import { Browser, readEvents, TestHub } from '../test-support/hub.js';
import { TestPrometheus } from '../test-support/prometheus.js';
import { TINY_APP, writeTinyApps } from '../test-support/tiny-app.js';

describe('Prometheus scraping /hub/metrics', () => {
  const appsDir = mkdtempSync(join(tmpdir(), 'hpchub-metrics-apps-'));
  let hub: TestHub;
  let prometheus: TestPrometheus | undefined;
  let alice: string;
  let scraper: string;

  before(async () => {
    const appsFile = writeTinyApps(appsDir);
    hub = await TestHub.start({
      configure: (c) => {
        c.apps.file = appsFile;
        c.apps.enabled = [TINY_APP];
      },
    });
    await hub.addUser('alice');
    await hub.addUser('ops', { admin: true });
    alice = await hub.tokenFor('alice');
    scraper = await hub.tokenFor('ops', ['read:metrics']);
  });
  after(async () => {
    await hub.api('DELETE', '/users/alice/server', { token: alice });
    await prometheus?.close();
    await hub.stop();
    rmSync(appsDir, { recursive: true, force: true });
  });

  test('only a token with read:metrics reads the metrics', async () => {
    const anonymous = await fetch(`${hub.url}/hub/metrics`);
    assert.equal(anonymous.status, 401);
    const user = await fetch(`${hub.url}/hub/metrics`, { headers: { authorization: `token ${alice}` } });
    assert.equal(user.status, 404, 'a token without read:metrics');
    const res = await fetch(`${hub.url}/hub/metrics`, { headers: { authorization: `Bearer ${scraper}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of [
      'jupyterhub_total_users 2',
      'jupyterhub_running_servers 0',
      'jupyterhub_active_users{period="24h"}',
      '# TYPE jupyterhub_server_spawn_duration_seconds histogram',
      '# TYPE jupyterhub_request_duration_seconds histogram',
      '# TYPE hpchub_queue_wait_seconds histogram',
    ])
      assert.ok(text.includes(name), `${name} in:\n${text.slice(0, 3000)}`);
    assert.doesNotMatch(text, /alice/, 'no user names in labels');
  });

  test('after a real spawn, PromQL answers running servers, the spawn duration histogram, proxied traffic and refused logins', async () => {
    const started = await hub.api<ServerModel>('POST', '/users/alice/server', {
      token: alice,
      body: { user_options: { app: TINY_APP } },
    });
    assert.equal(started.status, 202, started.text);
    const events = await readEvents<{ ready?: boolean }>(
      `${hub.url}${started.body.progress_url}`,
      { authorization: `token ${alice}` },
      { timeoutMs: 60_000 },
    );
    assert.equal(events.at(-1)?.ready, true, JSON.stringify(events));
    // One request through the proxy to the app, before Prometheus' first scrape.
    const proxied = await fetch(`${hub.url}/user/alice/`, {
      headers: { authorization: `token ${alice}` },
      redirect: 'manual',
    });
    const proxiedBytes = (await proxied.arrayBuffer()).byteLength;
    const statusClass = `${Math.floor(proxied.status / 100)}xx`;
    // A wrong password through the login form.
    const refused = await new Browser(hub.url).submitLogin('alice', 'not her password');
    assert.notEqual(refused.status, 303, 'the wrong password was refused');

    prometheus = await TestPrometheus.start(new URL(hub.url).host, scraper);
    const running = await prometheus.until('jupyterhub_running_servers{job="hpchub"}', (r) => r.length === 1);
    assert.equal(running[0]?.value[1], '1');
    const spawns = await prometheus.until(
      'sum(jupyterhub_server_spawn_duration_seconds_count{job="hpchub", status="success"})',
      (r) => r.length === 1,
    );
    assert.equal(spawns[0]?.value[1], '1');
    const median = await prometheus.query(
      'histogram_quantile(0.5, sum by (le) (jupyterhub_server_spawn_duration_seconds_bucket{job="hpchub"}))',
    );
    assert.ok(Number(median[0]?.value[1]) > 0, JSON.stringify(median));
    const byApp = await prometheus.query('hpchub_servers{job="hpchub"}');
    assert.deepEqual(
      byApp.map((s) => [s.metric.status, s.metric.app, s.value[1]]),
      [['running', TINY_APP, '1']],
    );
    const proxy = await prometheus.query(
      `sum by (status_class) (hpchub_proxy_request_duration_seconds_count{job="hpchub", kind="http"})`,
    );
    assert.deepEqual(
      proxy.map((s) => [s.metric.status_class, s.value[1]]),
      [[statusClass, '1']],
    );
    const sent = await prometheus.query(
      `hpchub_proxy_sent_bytes_total{job="hpchub", kind="http", status_class="${statusClass}"}`,
    );
    assert.equal(sent[0]?.value[1], String(proxiedBytes));
    const logins = await prometheus.query(
      'hpchub_login_failures_total{job="hpchub", authenticator="local", reason="invalid_credentials"}',
    );
    assert.equal(logins[0]?.value[1], '1');
    // Scraping without the token is refused: that target is down.
    const up = await prometheus.until('up', (r) => r.length === 2);
    assert.deepEqual(Object.fromEntries(up.map((s) => [s.metric.job, s.value[1]])), {
      hpchub: '1',
      anonymous: '0',
    });
  });
});
