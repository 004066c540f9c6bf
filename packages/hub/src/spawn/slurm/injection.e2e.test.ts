// Hostile values in every field of the Slurm spawn form: shell commands, command substitution,
// newlines (a second #SBATCH line), paths out of the home, negative, fractional and huge numbers,
// an unknown partition, and values over the chosen partition's limits. Each is a 400 with a
// message for that field; no job reaches Slurm, no server is recorded, no file is created.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { TestHub } from '../../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import { cancelJobs, hubJobIds, queue, Session, startSlurmHub } from './test-support.js';

const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
const marker = `/tmp/hpchub-injected-${randomBytes(6).toString('hex')}`;

const SHELL = [
  `1; touch ${marker}`,
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `1 && touch ${marker}`,
  `normal\n#SBATCH --uid=0`,
  '1\n2',
  '../../etc',
  '$(id)',
];
const NUMBERS = [...SHELL, -1, -1e9, 1e12, 2 ** 53, 1.5, '1e3', '0x10', 'nosuch'];
const HOSTILE: Record<string, (string | number)[]> = {
  app: [...SHELL, 'nosuch'],
  partition: [...SHELL, 'nosuch', 'normal short', 'normal,short', '--partition=normal'],
  cores: [...NUMBERS, 0],
  gpus: NUMBERS,
  memory_gb: [...NUMBERS, 0],
  hours: [...NUMBERS, 0],
  custom_script: [...SHELL, '/etc/passwd', '~root/.bashrc', "it's", 'a"b', 'x'.repeat(1025)],
};

interface ErrorBody {
  code: string;
  validations?: { field: string; message: string }[];
}

describe('hostile spawn-form values', () => {
  let hub: TestHub;
  let session: Session;
  let jobsBefore: Set<string>;

  before(async () => {
    hub = await startSlurmHub();
    session = await Session.login(hub, alice);
    jobsBefore = new Set((await queue()).map((j) => j.id));
  });
  after(async () => {
    if (hub) {
      await cancelJobs(await hubJobIds(hub));
      await hub.stop();
    }
    rmSync(marker, { force: true });
  });

  async function refused(options: Record<string, unknown>, field: string, message?: RegExp): Promise<void> {
    const res = await session.start('', options);
    const what = `${JSON.stringify(options)} → ${res.status} ${res.text}`;
    assert.equal(res.status, 400, what);
    const body = res.body as unknown as ErrorBody;
    assert.equal(body.code, 'validation_failed', what);
    const v = body.validations?.find((x) => x.field === field);
    assert.ok(v && v.message.length > 0, what);
    if (message) assert.match(v.message, message, what);
  }

  test('every field refuses shell syntax, newlines, traversal and out-of-range numbers', async () => {
    let tried = 0;
    for (const [field, values] of Object.entries(HOSTILE)) {
      for (const value of values) {
        await refused(field === 'app' ? { app: value } : { app: 'jupyterlab', [field]: value }, field);
        tried += 1;
      }
    }
    assert.ok(tried > 70, `${tried} values tried`);
  });

  test('limits of the chosen partition, and unknown options, are field messages too', async () => {
    await refused({ app: 'jupyterlab', cores: 64 }, 'cores', /from 1 to \d+/);
    await refused(
      { app: 'jupyterlab', partition: 'short', cores: 2 },
      'cores',
      /Partition short allows at most 1/,
    );
    await refused(
      { app: 'jupyterlab', partition: 'short', hours: 3 },
      'hours',
      /Partition short allows at most 2/,
    );
    await refused({ app: 'jupyterlab', partition: 'nosuch' }, 'partition', /Choose one of: normal, short/);
    await refused({ app: 'jupyterlab', nodes: 2 }, 'nodes', /Unknown option nodes/);
    await refused({ app: 'jupyterlab', account: 'physics' }, 'account', /Unknown option account/);
  });

  test('nothing reached Slurm, the database or the file system', async () => {
    const fresh = (await queue()).filter((j) => !jobsBefore.has(j.id) && j.user === alice.name);
    assert.deepEqual(fresh, [], 'no job was submitted');
    const servers = await hub.hub.db.selectFrom('servers').selectAll().execute();
    assert.deepEqual(servers, [], 'no server was recorded');
    assert.equal(existsSync(marker), false, `${marker} was not created`);
  });
});
