// A small module tree for tests, written where every test user can read it: two modules that
// each set a variable and put a directory (holding a tiny command) in front of PATH — one in
// Lmod's Lua, one in Tcl, the language most sites' older modulefiles use — and one whose load
// fails with its own message. Lmod (provisioned by scripts/provision/all.sh) must be installed.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LMOD_INIT = '/usr/share/lmod/lmod/init/bash';

export function requireLmod(): void {
  if (!existsSync(LMOD_INIT))
    throw new Error(
      `Lmod is not installed (${LMOD_INIT} is missing) — run: sudo bash scripts/provision/all.sh`,
    );
}

export interface TestModuleTree {
  /** The tree: what `module use` (config `modules.use`) names. */
  dir: string;
  /** Names and what loading them does. */
  a: { name: string; variable: string; value: string; bin: string; command: string };
  b: { name: string; variable: string; value: string; bin: string; command: string };
  /** Loading it fails with `brokenMessage`. */
  broken: string;
  brokenMessage: string;
  /** Adds a Lua modulefile `name` (e.g. `tool/1.0`) to the tree, readable by all. */
  add(name: string, lua: string): void;
  cleanup(): void;
}

/** Writes the tree under /tmp (mode 755 throughout, so jobs of any test user read it). */
export function writeTestModuleTree(): TestModuleTree {
  requireLmod();
  const dir = mkdtempSync('/tmp/hpchub-test-modules-');
  const file = (path: string, text: string, mode = 0o644) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    chmodSync(path, mode);
  };
  const tool = (bin: string, name: string, says: string) =>
    file(join(bin, name), `#!/bin/sh\necho ${says}\n`, 0o755);

  const aBin = join(dir, 'opt', 'a', 'bin');
  tool(aBin, 'hpchub-tool-a', 'tool-a');
  file(
    join(dir, 'modulefiles', 'hpchub-test-a', '1.0.lua'),
    `-- hpchub test module (Lua)\nsetenv("HPCHUB_TEST_A", "alpha")\nprepend_path("PATH", "${aBin}")\n`,
  );
  const bBin = join(dir, 'opt', 'b', 'bin');
  tool(bBin, 'hpchub-tool-b', 'tool-b');
  file(
    join(dir, 'modulefiles', 'hpchub-test-b', '2.1'),
    `#%Module1.0\n## hpchub test module (Tcl)\nsetenv HPCHUB_TEST_B beta\nprepend-path PATH ${bBin}\n`,
  );
  const brokenMessage = 'hpchub-test-broken cannot be loaded on this node';
  file(join(dir, 'modulefiles', 'hpchub-test-broken', '1.0.lua'), `LmodError("${brokenMessage}")\n`);
  const open = (path: string) => {
    chmodSync(path, 0o755);
    for (const e of readdirSync(path, { withFileTypes: true })) if (e.isDirectory()) open(join(path, e.name));
  };
  open(dir);
  return {
    dir: join(dir, 'modulefiles'),
    a: {
      name: 'hpchub-test-a/1.0',
      variable: 'HPCHUB_TEST_A',
      value: 'alpha',
      bin: aBin,
      command: 'hpchub-tool-a',
    },
    b: {
      name: 'hpchub-test-b/2.1',
      variable: 'HPCHUB_TEST_B',
      value: 'beta',
      bin: bBin,
      command: 'hpchub-tool-b',
    },
    broken: 'hpchub-test-broken/1.0',
    brokenMessage,
    add: (name, lua) => {
      file(join(dir, 'modulefiles', `${name}.lua`), lua);
      open(join(dir, 'modulefiles'));
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
