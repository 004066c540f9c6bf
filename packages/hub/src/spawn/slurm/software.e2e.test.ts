// Software the way clusters deliver it, end to end on the real Slurm cluster: hpchub-alice starts
// JupyterLab with two environment modules from the real Lmod (a test module tree the hub lists
// with `module use`), chosen in the spawn form's "Other software", which shows them again next
// time; the progress log says what was loaded, and through the proxy a Python
// kernel, the Bash kernel (bash_kernel) and the R kernel (IRkernel) see the modules' variable and
// PATH entry; the Bash kernel runs as her; a kernel she installed from her own venv is offered and
// runs. A module that disappeared after the hub listed it, and one whose load fails, fail the
// start with Lmod's own words in the event log. Hostile module lists never reach Slurm.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestHub } from '../../test-support/hub.js';
import { execute, type JupyterClient, kernelSpecs, startKernel } from '../../test-support/jupyter.js';
import { installOwnKernel, type OwnKernel } from '../../test-support/kernels.js';
import { type TestModuleTree, writeTestModuleTree } from '../../test-support/modules.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import { cancelJobs, hubJobIds, queue, removeJobFiles, Session, startSlurmHub } from './test-support.js';

const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
const marker = `/tmp/hpchub-injected-${randomBytes(6).toString('hex')}`;
const SERVERS = ['soft', 'gone', 'broken', 'hostile'];

describe('modules and kernels in a JupyterLab job', () => {
  let tree: TestModuleTree;
  let hub: TestHub;
  let session: Session;
  let own: OwnKernel;
  let client: JupyterClient;

  before(async () => {
    tree = writeTestModuleTree();
    own = await installOwnKernel(alice);
    hub = await startSlurmHub((config) => {
      config.modules.use = [tree.dir];
    });
    session = await Session.login(hub, alice);
    const listed = await hub.running.app.spawning.modules.refresh();
    assert.ok(listed?.known.has(tree.a.name), 'the hub listed the test tree');
    client = {
      base: `${hub.url}/user/${alice.name}/soft/`,
      headers: { authorization: `token ${await hub.tokenFor(alice.name)}` },
    };
  });
  after(async () => {
    for (const server of SERVERS) await session?.stop(server).catch(() => undefined);
    if (hub) {
      await cancelJobs(await hubJobIds(hub));
      await hub.stop();
    }
    await own?.remove();
    tree?.cleanup();
    removeJobFiles(alice.home, SERVERS);
    rmSync(marker, { force: true });
  });

  test('hostile module lists: 400 for the field; nothing reaches Slurm, the database or the disk', async () => {
    const jobsBefore = new Set((await queue()).map((j) => j.id));
    for (const modules of [
      `${tree.a.name}; touch ${marker}`,
      [`$(touch ${marker})`],
      [`\`touch ${marker}\``],
      [`${tree.a.name} ${tree.b.name}`],
      Array.from({ length: 1000 }, (_, i) => `m/${i}`),
      'x'.repeat(100 * 1024),
      'hpchub-no-such/1.0',
    ]) {
      const res = await session.start('hostile', { app: 'jupyterlab', modules });
      assert.equal(res.status, 400, res.text.slice(0, 300));
      assert.deepEqual(
        (res.body as unknown as { validations: { field: string }[] }).validations.map((v) => v.field),
        ['modules'],
      );
    }
    const fresh = (await queue()).filter((j) => !jobsBefore.has(j.id) && j.user === alice.name);
    assert.deepEqual(fresh, [], 'no job was submitted');
    assert.deepEqual(
      await hub.hub.db.selectFrom('servers').selectAll().execute(),
      [],
      'no server was recorded',
    );
    assert.equal(existsSync(marker), false);
    assert.equal(
      existsSync(join(alice.home, '.hpchub', 'logs', 'hostile.log')),
      false,
      'no job log was written',
    );
  });

  test('two modules chosen in "Other software": reported as loaded, the kernels see them, the next form shows them', async () => {
    // Through the spawn form, typed as a user types them.
    const started = await session.postForm(`/hub/spawn/${alice.name}/soft`, {
      app: 'jupyterlab',
      form_app: 'jupyterlab',
      cores: '1',
      memory_gb: '1',
      hours: '1',
      modules: `${tree.a.name} ${tree.b.name}`,
    });
    assert.equal(started.status, 303, started.text.slice(0, 2000));
    assert.equal(started.headers.get('location'), `/hub/spawn-pending/${alice.name}/soft`);
    const form = await session.browser.get(`/hub/spawn/${alice.name}`);
    assert.match(
      form.text,
      new RegExp(`<input id="f-modules" name="modules"[^>]*value="${tree.a.name} ${tree.b.name}"`),
    );
    const events = await session.progress(hub.url, 'soft');
    assert.equal(events.at(-1)?.ready, true, JSON.stringify(events.map((e) => e.message)));
    assert.ok(
      events.some((e) => e.message === `Modules loaded: ${tree.a.name} ${tree.b.name}`),
      JSON.stringify(events.map((e) => e.message)),
    );

    const python = await startKernel(client);
    assert.equal(
      await execute(client, python, `import os; os.environ["${tree.a.variable}"]`),
      `'${tree.a.value}'`,
    );
    assert.equal(await execute(client, python, `os.environ["${tree.b.variable}"]`), `'${tree.b.value}'`);
    const path = await execute(client, python, 'os.environ["PATH"]');
    assert.ok(path.startsWith(`'${tree.b.bin}:${tree.a.bin}:`), path);
    assert.equal(
      await execute(
        client,
        python,
        `import subprocess; subprocess.check_output(["${tree.a.command}"], text=True).strip()`,
      ),
      "'tool-a'",
    );
  });

  test('the R kernel (IRkernel) computes 1+1 and sees the module’s variable', async () => {
    const specs = await kernelSpecs(client);
    assert.equal(specs.ir?.language, 'R', JSON.stringify(Object.keys(specs)));
    const r = await startKernel(client, 'ir');
    assert.equal(await execute(client, r, '1+1'), '[1] 2');
    assert.equal(await execute(client, r, `Sys.getenv("${tree.b.variable}")`), `[1] "${tree.b.value}"`);
  });

  test('the Bash kernel runs as the user and finds the modules’ commands', async () => {
    const specs = await kernelSpecs(client);
    assert.equal(specs.bash?.language, 'bash', JSON.stringify(Object.keys(specs)));
    const bash = await startKernel(client, 'bash');
    assert.equal(await execute(client, bash, 'echo $USER'), alice.name);
    assert.equal(await execute(client, bash, 'id -un'), alice.name);
    assert.equal(
      await execute(client, bash, `${tree.b.command}; echo $${tree.a.variable}`),
      `tool-b\n${tree.a.value}`,
    );
  });

  test('a kernel she installed from her own venv is offered and runs in that venv', async () => {
    const specs = await kernelSpecs(client);
    assert.equal(specs[own.name]?.argv[0], `${own.venv}/bin/python`, JSON.stringify(specs[own.name]));
    const mine = await startKernel(client, own.name);
    assert.equal(await execute(client, mine, '1+1'), '2');
    assert.equal(await execute(client, mine, 'import sys; sys.prefix'), `'${own.venv}'`);
    assert.equal(await execute(client, mine, 'import getpass; getpass.getuser()'), `'${alice.name}'`);
    assert.equal((await session.stop('soft')).status, 204);
  });

  /** Starts `server` with these modules and returns its event log once it failed. */
  async function failedStart(server: string, modules: string[]): Promise<string> {
    const started = await session.start(server, {
      app: 'jupyterlab',
      cores: 1,
      memory_gb: 1,
      hours: 1,
      modules,
    });
    assert.equal(started.status, 202, started.text);
    const events = await session.progress(hub.url, server);
    const last = events.at(-1);
    assert.equal(last?.failed, true, JSON.stringify(events.map((e) => e.message)));
    const row = await hub.hub.db
      .selectFrom('servers')
      .selectAll()
      .where('name', '=', server)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'stopped');
    assert.equal(row.end_reason, 'start_failure');
    return last?.message ?? '';
  }

  test('a module gone since the hub listed it: the start fails with Lmod’s own message', async () => {
    const gone = join(tree.dir, 'hpchub-test-gone', '1.0.lua');
    tree.add('hpchub-test-gone/1.0', 'setenv("HPCHUB_TEST_GONE", "1")\n');
    await hub.running.app.spawning.modules.refresh();
    rmSync(gone);
    const message = await failedStart('gone', [tree.a.name, 'hpchub-test-gone/1.0']);
    assert.match(
      message,
      /^Spawn failed: Loading the modules hpchub-test-a\/1\.0 hpchub-test-gone\/1\.0 failed: Lmod has detected the following error: The following module\(s\) are unknown:\s+"hpchub-test-gone\/1\.0"/,
    );
  });

  test('a module whose load fails: its message, and no app was started', async () => {
    const message = await failedStart('broken', [tree.broken]);
    assert.match(message, new RegExp(tree.brokenMessage.replace(/ /g, '\\s+')));
    assert.doesNotMatch(message, /JupyterLab/);
  });
});
