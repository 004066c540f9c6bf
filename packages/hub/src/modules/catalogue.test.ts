// The module catalogue: listed at start, listed again on the schedule the site sets (driven here
// by a scheduler the test controls, no waiting), the last good list kept when a listing fails,
// one listing at a time, nothing scheduled after close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModuleSystem } from '@hpchub/protocol';
import { loadConfig } from '../config/index.js';
import { ModuleCatalogue, moduleSystemOf, type Scheduler } from './catalogue.js';
import type { ListedModules } from './list.js';
import { parseTerse } from './terse.js';

class ManualScheduler implements Scheduler {
  readonly waiting: { ms: number; run: () => void; cancelled: boolean }[] = [];
  after(ms: number, run: () => void) {
    const entry = { ms, run, cancelled: false };
    this.waiting.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }
  /** Runs the timers due now (all that are not cancelled). */
  fire(): void {
    const due = this.waiting.splice(0).filter((e) => !e.cancelled);
    for (const e of due) e.run();
  }
  pending(): number {
    return this.waiting.filter((e) => !e.cancelled).length;
  }
}

const quiet = { info() {}, warn() {} };

function listing(text: string): ListedModules {
  return { ...parseTerse(text), system: 'lmod', command: 'module -t spider' };
}

test('listed at start, then every refresh interval; a failed listing keeps the last list', async () => {
  const scheduler = new ManualScheduler();
  const answers: (ListedModules | Error)[] = [
    listing('gcc/12.2.0'),
    new Error('slow NFS'),
    listing('gcc/12.2.0\ngcc/13.1.0'),
  ];
  const asked: ModuleSystem[] = [];
  const catalogue = new ModuleCatalogue({
    system: { init: ['/etc/profile.d/lmod.sh'], use: ['/cluster/apps'] },
    refreshMs: 3_600_000,
    timeoutMs: 60_000,
    log: quiet,
    scheduler,
    list: async (system) => {
      asked.push(system);
      const next = answers.shift();
      if (next instanceof Error || next === undefined) throw next ?? new Error('no more');
      return next;
    },
  });
  assert.equal(catalogue.current(), undefined);
  await catalogue.start();
  assert.deepEqual(catalogue.current()?.names, ['gcc/12.2.0']);
  assert.deepEqual(asked[0], { init: ['/etc/profile.d/lmod.sh'], use: ['/cluster/apps'] });
  assert.deepEqual(
    scheduler.waiting.map((w) => w.ms),
    [3_600_000],
  );

  scheduler.fire();
  await catalogue.refresh(); // the listing the timer started
  assert.deepEqual(catalogue.current()?.names, ['gcc/12.2.0'], 'kept after a failure');
  assert.equal(scheduler.pending(), 1, 'and tried again later');

  scheduler.fire();
  await catalogue.refresh();
  assert.deepEqual(catalogue.current()?.names, ['gcc/12.2.0', 'gcc/13.1.0']);
  assert.ok(catalogue.current()?.known.has('gcc'));

  catalogue.close();
  assert.equal(scheduler.pending(), 0, 'nothing scheduled after close');
});

test('two refreshes at once share one listing', async () => {
  let calls = 0;
  const catalogue = new ModuleCatalogue({
    system: { init: [], use: [] },
    refreshMs: 60_000,
    timeoutMs: 1000,
    log: quiet,
    scheduler: new ManualScheduler(),
    list: async () => {
      calls++;
      return listing('a/1');
    },
  });
  const [x, y] = await Promise.all([catalogue.refresh(), catalogue.refresh()]);
  assert.equal(calls, 1);
  assert.equal(x, y);
  catalogue.close();
});

test('the module system of the configuration: the init file if set, the extra trees, when to source it', () => {
  const defaults = loadConfig({ env: {} }).config;
  assert.deepEqual(moduleSystemOf(defaults), { init: [], use: [] });
  const set = loadConfig({
    env: {
      HPCHUB_MODULES_INIT_FILE: '/usr/share/modules/init/bash',
      HPCHUB_MODULES_USE: '/cluster/apps/modulefiles',
      HPCHUB_MODULES_INIT_WHEN: 'always',
    },
  }).config;
  assert.deepEqual(moduleSystemOf(set), {
    init: ['/usr/share/modules/init/bash'],
    use: ['/cluster/apps/modulefiles'],
    initAlways: true,
  });
  assert.throws(() => loadConfig({ env: { HPCHUB_MODULES_INIT_WHEN: 'never' } }), /modules\.init_when/);
  assert.throws(
    () => loadConfig({ env: { HPCHUB_MODULES_INIT_FILE: 'relative/init' } }),
    /modules\.init_file/,
  );
  assert.throws(() => loadConfig({ env: { HPCHUB_MODULES_USE: '/x; rm -rf /' } }), /modules\.use/);
});
