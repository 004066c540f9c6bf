// Launch specs and job scripts for every built-in app, including those that cannot run on our
// machines (RStudio through Apptainer): the generated command, and a job script that shellcheck
// accepts and bash runs with every value exactly as given.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AGENT_ENV, type AgentLaunchSpec, renderJobScript } from '@hpchub/protocol';
import { BUILTIN_APPS } from './builtins.js';
import { AppCatalog } from './catalog.js';
import { validateOptions } from './fields.js';
import { buildLaunchSpec } from './launch.js';

const catalog = new AppCatalog(BUILTIN_APPS);

function specFor(id: string, serverName = '', submitted: Record<string, unknown> = {}): AgentLaunchSpec {
  const app = catalog.get(id);
  assert.ok(app, id);
  const options = validateOptions(catalog.fields(app), submitted);
  return buildLaunchSpec({
    app,
    user: 'alice',
    serverName,
    options,
    startTimeoutSeconds: 300,
    reportSeconds: 60,
  });
}

function script(spec: AgentLaunchSpec, modules: string[] = []): string {
  return renderJobScript({
    header: ['#SBATCH --job-name=hpchub'],
    prologue: [],
    hubUrl: 'http://hub.example:8000/hub/api/agent',
    serverId: 7,
    secret: "s3cr'et",
    spec,
    customScript: String(spec.options.custom_script),
    modules,
    pathPrepend: ['/opt/apps/bin'],
    nodePath: '/usr/bin/node',
    agentPath: '/opt/hpchub/hpchub-agent.js',
  });
}

function requireShellcheck(): void {
  if (spawnSync('shellcheck', ['--version']).status !== 0) {
    throw new Error('shellcheck is not installed — run: sudo bash scripts/provision/all.sh');
  }
}

describe('launch specs of the built-in apps', () => {
  test('JupyterLab serves under the prefix on a private socket, with a token only the agent knows', () => {
    const spec = specFor('jupyterlab', 'lab2');
    assert.equal(spec.prefix, '/user/alice/lab2/');
    assert.equal(spec.prefixMode, 'keep');
    assert.equal(spec.listen, 'unix');
    assert.ok(spec.command.includes('--ServerApp.base_url=/user/alice/lab2/'));
    assert.deepEqual(spec.activity, { source: 'jupyter', reportSeconds: 60 });
    assert.ok(spec.command.includes('--ServerApp.sock={socket}'));
    assert.equal(spec.env.JUPYTER_TOKEN, '{token}');
    assert.ok(!spec.command.some((a) => a.includes('{token}')), 'the token is never on the command line');
    assert.deepEqual(spec.appAuth, { kind: 'token-header' });
    assert.equal(spec.options.custom_script, '.jupyterlabrc');
  });

  test('code-server has its prefix stripped and listens on a 0600 socket', () => {
    const spec = specFor('code-server');
    assert.equal(spec.prefixMode, 'strip');
    assert.ok(spec.command.includes('--socket={socket}'));
    assert.ok(spec.command.includes('--socket-mode=600'));
    assert.equal(spec.activity?.source, 'code-server', 'its heartbeat tells whether a browser is connected');
  });

  test('TensorBoard keeps its prefix with --path_prefix, on loopback, its log directory from the picker', () => {
    const spec = specFor('tensorboard', 'tb');
    assert.ok(spec.command.includes('--path_prefix=/user/alice/tb'));
    assert.ok(spec.command.includes('--host=127.0.0.1'));
    assert.ok(
      spec.command.includes('--logdir={option:logdir}'),
      'the agent fills in the directory chosen in the picker',
    );
    assert.deepEqual(spec.picker, { option: 'logdir', root: '.', title: 'Log directory' });
    assert.equal(spec.activity?.source, 'traffic', 'TensorBoard says nothing of its use: traffic it is');
  });

  test('RStudio runs rserver in the Apptainer image; the agent writes the files it names', () => {
    const spec = specFor('rstudio');
    assert.deepEqual(spec.command.slice(0, 6), [
      'apptainer',
      'exec',
      '--bind',
      '{workdir}',
      '/opt/apps/rstudio.sif',
      'rserver',
    ]);
    assert.ok(spec.command.includes('--www-root-path=/user/alice/'));
    assert.ok(spec.command.includes('--server-user=alice'));
    assert.deepEqual(spec.env, { RSTUDIO_PASSWORD: '{token}' });
    assert.equal(spec.appAuth.kind, 'form-login');
    // Each requirement, checked on what a real job gives rserver: rstudio.e2e.test.ts.
    assert.deepEqual(
      spec.files?.map((f) => [f.path, f.kind]),
      [
        ['{workdir}/rstudio', 'directory'],
        ['{workdir}/rstudio/run', 'directory'],
        ['{workdir}/rstudio/db', 'directory'],
        ['{workdir}/rstudio/database.conf', 'file'],
        ['{workdir}/rstudio/secure-cookie-key', 'secret'],
        ['{workdir}/rstudio/auth-helper', 'executable'],
      ],
    );
  });
});

describe('job scripts', () => {
  test('every built-in app’s job script passes shellcheck', () => {
    requireShellcheck();
    const dir = mkdtempSync(join(tmpdir(), 'hpchub-scripts-'));
    try {
      for (const app of BUILTIN_APPS) {
        const file = join(dir, `${app.id}.sh`);
        writeFileSync(file, script(specFor(app.id), ['r/4.3']));
        const res = spawnSync('shellcheck', ['--shell=bash', '--exclude=SC1090,SC1091', file], {
          encoding: 'utf8',
        });
        assert.equal(res.status, 0, `${app.id}:\n${res.stdout}${res.stderr}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bash sees every value exactly as given, whatever it contains', () => {
    const hostile = 'it\'s $(id) `id` ; rm -rf ~ \\ " \n next';
    const spec = { ...specFor('jupyterlab'), env: { NOTE: hostile } };
    const body = script(spec)
      .split('\n')
      .filter((l) => l.startsWith('export '))
      .join('\n');
    const out = execFileSync('bash', ['-c', `${body}\nprintf '%s' "$${AGENT_ENV.spec}"`], {
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(out), spec);
    const secret = execFileSync('bash', ['-c', `${body}\nprintf '%s' "$${AGENT_ENV.secret}"`], {
      encoding: 'utf8',
    });
    assert.equal(secret, "s3cr'et");
  });

  test('the custom script is sourced if it exists, and said not to exist otherwise (the Euler semantics)', () => {
    const home = mkdtempSync(join(tmpdir(), 'hpchub-home-'));
    try {
      const spec = specFor('jupyterlab');
      const text = renderJobScript({
        header: [],
        prologue: [],
        hubUrl: 'http://hub',
        serverId: 1,
        secret: 'x',
        spec,
        customScript: '.jupyterlabrc',
        modules: [],
        pathPrepend: [],
        nodePath: '/bin/echo',
        agentPath: 'agent would start here',
      });
      const run = () =>
        spawnSync('bash', ['-s'], {
          input: text,
          env: { HOME: home, PATH: '/usr/bin:/bin' },
          encoding: 'utf8',
        }).stdout;
      assert.match(
        run(),
        /hpchub: .*\/\.jupyterlabrc does not exist; continuing without it\nagent would start here/,
      );
      writeFileSync(join(home, '.jupyterlabrc'), 'echo "loading my conda env"\n');
      assert.match(
        run(),
        /hpchub: sourcing .*\/\.jupyterlabrc\nloading my conda env\nagent would start here/,
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
