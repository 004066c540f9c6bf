// The modules part of the job script, run for real: bash as a test user with a clean
// environment (as a batch job starts), the installed Lmod, the test module tree. In place of the
// agent the script execs a probe that prints what the agent would get. The script is also
// checked by shellcheck, and hostile names stay names.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AGENT_JOB_ENV, type JobScriptParts, renderJobScript } from '@hpchub/protocol';
import { type TestModuleTree, writeTestModuleTree } from '../test-support/modules.js';
import { testSystemUser, testSystemUsers } from '../test-support/system-users.js';

const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');

let tree: TestModuleTree;
let dir: string;
before(() => {
  tree = writeTestModuleTree();
  dir = mkdtempSync('/tmp/hpchub-job-modules-');
  chmodSync(dir, 0o755);
  // The probe: what the agent would see.
  writeFileSync(
    join(dir, 'probe.sh'),
    [
      `echo "progress=\${${AGENT_JOB_ENV.progress}-unset}"`,
      `echo "failure=$(printf %s "\${${AGENT_JOB_ENV.failure}-unset}" | tr '\\n' ' ')"`,
      `echo "A=\${HPCHUB_TEST_A-unset} B=\${HPCHUB_TEST_B-unset}"`,
      'echo "PATH=$PATH"',
      `echo "custom=\${HPCHUB_CUSTOM_RAN-no}"`,
      // Set by Lmod's init file: whether it was sourced.
      `echo "LMOD_CMD=\${LMOD_CMD-unset}"`,
      'if command -v hpchub-tool-a >/dev/null; then hpchub-tool-a; fi',
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'probe.sh'), 0o755);
  // A custom script in a scratch home: it runs after the modules, and only when they loaded.
  writeFileSync(join(dir, '.jupyterlabrc'), 'export HPCHUB_CUSTOM_RAN=yes\n');
  chmodSync(join(dir, '.jupyterlabrc'), 0o644);
  // One that loads a module itself, and runs a bash script that uses `ml`.
  writeFileSync(
    join(dir, '.loadingrc'),
    [
      'export HPCHUB_CUSTOM_RAN=yes',
      `module use ${tree.dir}`,
      `module load ${tree.a.name}`,
      `bash -c 'ml ${tree.b.name} && echo "child-b=$HPCHUB_TEST_B"'`,
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, '.loadingrc'), 0o644);
});
after(() => {
  tree?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function script(parts: Partial<JobScriptParts>): string {
  return renderJobScript({
    header: [],
    prologue: [],
    hubUrl: 'http://hub.example:8000/hub/api/agent',
    serverId: 3,
    secret: 'not-a-real-secret-0123456789',
    spec: {
      app: 'jupyterlab',
      command: ['jupyter-lab'],
      env: {},
      listen: 'unix',
      prefix: '/user/alice/',
      prefixMode: 'keep',
      readyPath: '/api/status',
      appAuth: { kind: 'token-header' },
      startTimeoutSeconds: 60,
      options: {},
    },
    customScript: '.jupyterlabrc',
    modules: [],
    pathPrepend: ['/opt/hpchub-test/venv/bin'],
    nodePath: '/bin/bash',
    agentPath: join(dir, 'probe.sh'),
    ...parts,
  });
}

/** Runs a job script as alice, the way Slurm starts one: a clean environment, HOME the scratch dir. */
function runJob(text: string): Record<string, string> {
  const res = spawnSync(
    'runuser',
    [
      '-u',
      alice.name,
      '--',
      'env',
      '-i',
      `HOME=${dir}`,
      'PATH=/usr/bin:/bin',
      `USER=${alice.name}`,
      'bash',
      '-s',
    ],
    { input: text, encoding: 'utf8', cwd: '/', timeout: 60_000 },
  );
  assert.equal(res.status, 0, res.stderr);
  const out: Record<string, string> = { log: res.stdout };
  for (const line of res.stdout.split('\n')) {
    const m = /^(progress|failure|PATH|custom|LMOD_CMD)=(.*)$/.exec(line);
    if (m) out[m[1] as string] = m[2] as string;
    const ab = /^A=(\S+) B=(\S+)$/.exec(line);
    if (ab) [out.A, out.B] = [ab[1] as string, ab[2] as string];
  }
  return out;
}

describe('modules in the job script (real bash, real Lmod, as a test user)', () => {
  test('the app’s module, then the user’s: variables set, PATH entries in front, reported to the agent', () => {
    const job = runJob(
      script({
        modules: [tree.a.name],
        userModules: [tree.b.name],
        moduleSystem: { init: [], use: [tree.dir] },
      }),
    );
    assert.equal(job.A, tree.a.value);
    assert.equal(job.B, tree.b.value);
    // Loaded last, the user's module comes first on PATH; the hub's own directories stay.
    assert.ok(job.PATH?.startsWith(`${tree.b.bin}:${tree.a.bin}:`), job.PATH);
    assert.ok(job.PATH?.includes('/opt/hpchub-test/venv/bin'));
    assert.equal(job.progress, `Modules loaded: ${tree.a.name} ${tree.b.name}`);
    assert.equal(job.failure, 'unset');
    assert.equal(job.custom, 'yes', 'the custom script ran, after the modules');
    assert.match(job.log ?? '', /tool-a/, 'the module’s command runs');
    assert.match(
      job.log ?? '',
      /hpchub: making the module command available with \/etc\/profile\.d\/lmod\.sh/,
    );
  });

  test('a module that does not exist: the module system’s own message, the custom script skipped', () => {
    const job = runJob(
      script({
        userModules: [tree.a.name, 'hpchub-no-such/9.9'],
        moduleSystem: { init: [], use: [tree.dir] },
      }),
    );
    assert.match(
      job.failure ?? '',
      /^Loading the modules hpchub-test-a\/1\.0 hpchub-no-such\/9\.9 failed: Lmod has detected the following error: The following module\(s\) are unknown:/,
    );
    assert.match(job.log ?? '', /"hpchub-no-such\/9\.9"/);
    assert.equal(job.progress, 'unset');
    assert.equal(job.custom, 'no');
  });

  test('a module whose load fails: its own message', () => {
    const job = runJob(script({ userModules: [tree.broken], moduleSystem: { init: [], use: [tree.dir] } }));
    assert.match(job.failure ?? '', new RegExp(tree.brokenMessage.replace(/ /g, '\\s+')));
  });

  test('modules asked for on a node without a module system: the start fails saying so', () => {
    const job = runJob(
      script({ userModules: [tree.a.name], moduleSystem: { init: ['/nonexistent/lmod.sh'], use: [] } }),
    );
    assert.equal(
      job.failure,
      'The modules hpchub-test-a/1.0 were asked for, but this node has no module command (none of /nonexistent/lmod.sh could be read).',
    );
  });

  test('no modules: `module` is still there for the custom script, nothing is reported', () => {
    const job = runJob(
      `${script({}).replace(/^exec .*$/m, 'type module >/dev/null && echo "has-module"\n$&')}`,
    );
    assert.match(job.log ?? '', /has-module/);
    assert.equal(job.progress, 'unset');
    assert.equal(job.failure, 'unset');
  });

  test('nothing to load: the init file is not sourced up front; `module` and `ml` source it on first use', () => {
    const idle = runJob(script({}));
    assert.equal(idle.LMOD_CMD, 'unset', 'the init file was not sourced');
    assert.doesNotMatch(idle.log ?? '', /making the module command available/);
    const used = runJob(script({ customScript: '.loadingrc' }));
    assert.equal(used.custom, 'yes');
    assert.equal(used.A, tree.a.value, 'the custom script loaded a module');
    assert.ok(used.PATH?.startsWith(`${tree.a.bin}:`), used.PATH);
    assert.equal(
      used.LMOD_CMD,
      '/usr/share/lmod/lmod/libexec/lmod',
      'the init file’s variables reach the app',
    );
    assert.match(used.log ?? '', new RegExp(`child-b=${tree.b.value}`), 'a bash the script runs has `ml`');
    assert.equal(used.progress, 'unset');
    assert.equal(used.failure, 'unset');
  });

  test('modules.init_when always: the init file is sourced with nothing to load', () => {
    const job = runJob(script({ moduleSystem: { init: [], use: [], initAlways: true } }));
    assert.equal(job.LMOD_CMD, '/usr/share/lmod/lmod/libexec/lmod');
    assert.match(job.log ?? '', /making the module command available with \/etc\/profile\.d\/lmod\.sh/);
  });

  test('nothing to load on a node without a module system: no `module` at all', () => {
    const job = runJob(
      `${script({ moduleSystem: { init: ['/nonexistent/lmod.sh'], use: [] } }).replace(/^exec .*$/m, 'type module >/dev/null 2>&1 || echo "no-module"\n$&')}`,
    );
    assert.match(job.log ?? '', /no-module/);
    assert.equal(job.failure, 'unset');
  });

  test('a failure inherited from the submitting environment is never taken for the job’s own', () => {
    const res = spawnSync(
      'runuser',
      [
        '-u',
        alice.name,
        '--',
        'env',
        '-i',
        `HOME=${dir}`,
        'PATH=/usr/bin:/bin',
        `${AGENT_JOB_ENV.failure}=forged`,
        'bash',
        '-s',
      ],
      { input: script({}), encoding: 'utf8', cwd: '/' },
    );
    assert.match(res.stdout, /^failure=unset$/m);
  });

  test('shellcheck accepts the script; hostile text stays quoted', () => {
    if (spawnSync('shellcheck', ['--version']).status !== 0)
      throw new Error('shellcheck is not installed — run: sudo bash scripts/provision/all.sh');
    const file = join(dir, 'job.sh');
    const text = script({
      modules: ['gcc/12.2.0'],
      userModules: ["x'$(touch /tmp/hpchub-pwned)'", 'a;b'],
      moduleSystem: { init: ["/etc/it's"], use: ['/cluster/$(id)'] },
    });
    writeFileSync(file, text);
    // SC2016 (info): the hostile names hold `$(…)` that single quotes keep from expanding, as they must.
    const res = spawnSync('shellcheck', ['--shell=bash', '--exclude=SC1090,SC1091,SC2016', file], {
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stdout);
    // The job with nothing to load, whose `module` sources the init file on first use.
    writeFileSync(file, script({ moduleSystem: { init: ["/etc/it's"], use: [] } }));
    const lazy = spawnSync('shellcheck', ['--shell=bash', '--exclude=SC1090,SC1091', file], {
      encoding: 'utf8',
    });
    assert.equal(lazy.status, 0, lazy.stdout);
    assert.ok(text.includes(`'x'\\''$(touch /tmp/hpchub-pwned)'\\'''`), 'single-quoted as one word');
    runJob(text);
    assert.equal(spawnSync('test', ['-e', '/tmp/hpchub-pwned']).status, 1, 'nothing ran');
  });
});
