// The deployment files in deploy/ as docs/deploy.md tells a site to install them: each systemd
// unit passes `systemd-analyze verify` without a word and keeps its sandbox (exposure score),
// runs a program this repository has, with settings the hub knows; and the nginx example, with
// only its host-specific lines replaced, serves a real hub over HTTPS — redirect from HTTP, the
// API, a login whose cookie is Secure because the hub believes nginx's X-Forwarded-Proto, a
// client's own X-Forwarded-For ignored, and a WebSocket through to a user's server.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { loadConfig } from '../packages/hub/src/config/index.js';
import { makeCertificate, PASSWORD, ProxyScene } from '../packages/hub/src/proxy/test-support.js';

const run = promisify(execFile);
const ROOT = new URL('..', import.meta.url).pathname;
const SYSTEMD = join(ROOT, 'deploy/systemd');
const NGINX_SITE = join(ROOT, 'deploy/nginx/hpchub.conf');

function requireTool(command: string, install: string): void {
  if (spawnSync(command, ['--version']).error)
    throw new Error(`${command} is not installed — run: sudo bash scripts/provision/all.sh (${install})`);
}

/** `Key=value` lines of a unit's [Service] section, every value of repeated keys. */
async function serviceSettings(unit: string): Promise<Map<string, string[]>> {
  const settings = new Map<string, string[]>();
  let inService = false;
  for (const line of (await readFile(join(SYSTEMD, unit), 'utf8')).split('\n')) {
    if (/^\[.*\]$/.test(line)) inService = line === '[Service]';
    const m = /^(\w+)=(.*)$/.exec(line);
    if (inService && m)
      settings.set(m[1] as string, [...(settings.get(m[1] as string) ?? []), m[2] as string]);
  }
  return settings;
}

describe('systemd units', async () => {
  const units = (await readdir(SYSTEMD)).filter((f) => f.endsWith('.service')).sort();

  test('there is one for each mode: root hub, unprivileged hub, gateway', () => {
    assert.deepEqual(units, [
      'hpchub-slurm-gateway.service',
      'hpchub-unprivileged.service',
      'hpchub.service',
    ]);
  });

  for (const unit of units) {
    test(`${unit}: systemd-analyze verify has nothing to say`, async () => {
      requireTool('systemd-analyze', 'Debian package systemd');
      const { stdout, stderr } = await run('systemd-analyze', ['verify', join(SYSTEMD, unit)]);
      assert.equal(
        `${stdout}${stderr}`,
        '',
        'no warnings: systemd would ignore a line it does not understand',
      );
    });

    test(`${unit}: sandboxed (systemd-analyze security)`, async () => {
      const { stdout } = await run('systemd-analyze', ['security', '--offline=true', join(SYSTEMD, unit)]);
      const score = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(stdout)?.[1]);
      // 0 is fully fenced in, 10 not at all; a hub that must switch users cannot be below ~2.
      assert.ok(score <= (unit === 'hpchub-unprivileged.service' ? 2.0 : 3.0), `${unit} exposure ${score}`);
    });

    test(`${unit}: runs a program of this repository with settings the hub knows`, async () => {
      const settings = await serviceSettings(unit);
      const [exec] = settings.get('ExecStart') ?? [];
      const m =
        /^\/usr\/bin\/node \/opt\/hpchub\/(\S+) (start|serve) --config \/etc\/hpchub\/\S+\.yaml$/.exec(
          exec ?? '',
        );
      assert.ok(m, `ExecStart: ${exec}`);
      await readFile(join(ROOT, m[1] as string));
      const env = Object.fromEntries(
        (settings.get('Environment') ?? [])
          .flatMap((l) => l.split(' '))
          .map((kv) => kv.split('=') as [string, string]),
      );
      const { warnings } = loadConfig({ env, flags: {} });
      assert.deepEqual(warnings, []);
      assert.equal(settings.get('NoNewPrivileges')?.[0], 'yes');
      assert.equal(settings.get('ProtectSystem')?.[0], 'strict');
    });
  }

  test('the unprivileged hub has no capability and a user of its own', async () => {
    const s = await serviceSettings('hpchub-unprivileged.service');
    assert.equal(s.get('User')?.[0], 'hpchub');
    assert.deepEqual(s.get('CapabilityBoundingSet'), ['']);
    const root = await serviceSettings('hpchub.service');
    assert.equal(root.get('User'), undefined);
    assert.equal(root.get('CapabilityBoundingSet')?.[0], 'CAP_SETUID CAP_SETGID CAP_AUDIT_WRITE');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

describe('the nginx example in front of a real hub', () => {
  let dir: string;
  let scene: ProxyScene;
  let nginx: ChildProcess;
  let ca: Buffer;
  let httpsPort: number;
  let httpPort: number;

  /** A request to nginx over HTTPS, trusting only the test certificate. */
  function request(
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) {
    return new Promise<Answer>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: httpsPort, path, method: init.method ?? 'GET', headers: init.headers, ca },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += String(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
  }

  before(async () => {
    requireTool('nginx', 'Debian package nginx-light');
    dir = await mkdtemp(join(tmpdir(), 'hpchub-nginx-'));
    await chmod(dir, 0o755);
    scene = await ProxyScene.start((config) => {
      config.trusted_proxies = ['127.0.0.1'];
    });
    const certificate = await makeCertificate('localhost');
    ca = certificate.cert;
    await writeFile(join(dir, 'cert.pem'), certificate.cert);
    await writeFile(join(dir, 'key.pem'), certificate.key, { mode: 0o600 });
    [httpsPort, httpPort] = [await freePort(), await freePort()];
    const hubPort = new URL(scene.hub.url).port;
    // Only what differs on this machine: ports, the hub's port, the certificate; IPv6 off.
    const replacements: [RegExp, string][] = [
      [/server 127\.0\.0\.1:8000;/, `server 127.0.0.1:${hubPort};`],
      [/listen 80;/, `listen 127.0.0.1:${httpPort};`],
      [/listen 443 ssl http2;/, `listen 127.0.0.1:${httpsPort} ssl http2;`],
      [/ {4}listen \[::\]:80;\n/, ''],
      [/ {4}listen \[::\]:443 ssl http2;\n/, ''],
      [/ssl_certificate {5}\S+;/, `ssl_certificate     ${join(dir, 'cert.pem')};`],
      [/ssl_certificate_key \S+;/, `ssl_certificate_key ${join(dir, 'key.pem')};`],
    ];
    let site = await readFile(NGINX_SITE, 'utf8');
    for (const [pattern, value] of replacements) {
      assert.match(site, pattern, `deploy/nginx/hpchub.conf still has ${pattern}`);
      site = site.replace(pattern, value);
    }
    await writeFile(join(dir, 'site.conf'), site);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((t) => `${t}_temp_path ${join(dir, t)};`)
      .join(' ');
    await writeFile(
      join(dir, 'nginx.conf'),
      `user root; worker_processes 1; pid ${join(dir, 'nginx.pid')}; error_log ${join(dir, 'error.log')};\n` +
        `events {}\nhttp { access_log off; ${temp} include ${join(dir, 'site.conf')}; }\n`,
    );
    const check = await run('nginx', ['-t', '-c', join(dir, 'nginx.conf')]).catch((e) => e);
    assert.match(String(check.stderr), /test is successful/, String(check.stderr));
    nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      if ((await request('/hub/api').catch(() => undefined))?.status === 200) break;
      if (i > 100) throw new Error(`nginx did not answer: ${await readFile(join(dir, 'error.log'), 'utf8')}`);
      await sleep(100);
    }
  });

  after(async () => {
    if (nginx?.exitCode === null) {
      nginx.kill('SIGQUIT');
      await once(nginx, 'exit');
    }
    await scene?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('plain HTTP is redirected to HTTPS', async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/hub/login`, { redirect: 'manual' });
    assert.equal(res.status, 301);
    assert.match(res.headers.get('location') ?? '', /^https:\/\/127\.0\.0\.1\/hub\/login$/);
  });

  test('the API answers through nginx', async () => {
    const res = await request('/hub/api');
    assert.equal(res.status, 200);
    assert.match(res.text, /"version"/);
  });

  test('a login through nginx gets a Secure session cookie; a client’s X-Forwarded-For is not believed', async () => {
    const page = await request('/hub/login');
    const xsrf = /name="_xsrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const cookies = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
    const login = await request('/hub/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: cookies.join('; '),
        'x-forwarded-for': '203.0.113.9',
      },
      body: new URLSearchParams({ username: 'ada', password: PASSWORD, _xsrf: xsrf }).toString(),
    });
    assert.equal(login.status, 303, login.text.slice(0, 300));
    const session = ([] as string[])
      .concat(login.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('hpchub-session='));
    assert.match(session ?? '', /;\s*Secure/i, 'the hub knows the browser used HTTPS');
    const logged = scene.hub.logLines.filter((l) => l.includes('"url":"/hub/login"'));
    assert.ok(logged.length > 0);
    assert.ok(
      logged.every((l) => !l.includes('203.0.113.9')),
      'the made-up client address was not believed',
    );
  });

  test('a WebSocket reaches the user’s server through nginx and the hub', async () => {
    const browser = await scene.login('ada');
    const host = `127.0.0.1:${httpsPort}`;
    const ws = new WebSocket(`wss://${host}/user/ada/api/kernels/k1/channels`, {
      ca,
      headers: { cookie: browser.cookieHeader(), origin: `https://${host}` },
    });
    await once(ws, 'open');
    ws.send('hello through nginx');
    const [data] = await once(ws, 'message');
    assert.equal(String(data), 'hello through nginx');
    const upgrade = scene.server.seen.findLast((r) => r.method === 'UPGRADE');
    assert.equal(upgrade?.headers['x-forwarded-proto'], 'http', 'the hub’s own hop to the agent');
    ws.close();
    await once(ws, 'close');
  });
});
