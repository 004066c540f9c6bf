// Lists the modules the nodes offer by asking the module system itself, the same way a job gets
// it (the init file and `module use` trees of job-modules.ts): with Lmod `module -t spider`,
// which walks hierarchies and reads Lmod's spider cache where the site keeps one; otherwise
// `module -t avail`. It runs as the hub, in a clean environment, so the answer is the same for
// every user. The script is fixed text; the site's paths reach it quoted (@hpchub/protocol).
import { execFile } from 'node:child_process';
import { type ModuleSystem, moduleInitLines, shellQuote } from '@hpchub/protocol';
import { type ModuleListing, parseTerse } from './terse.js';

export interface ListedModules extends ModuleListing {
  /** Which module system answered. */
  system: 'lmod' | 'environment-modules';
  /** The command that listed them. */
  command: string;
}

export class ModuleListError extends Error {
  override name = 'ModuleListError';
  constructor(
    message: string,
    /** No module system at all (none of the init files exists), rather than one that failed. */
    readonly absent = false,
  ) {
    super(message);
  }
}

/** The line the script prints first, naming the module system, before the listing itself. */
const SYSTEM_LINE = /^hpchub-module-system: (lmod|environment-modules)$/mu;

export function listingScript(system: ModuleSystem): string {
  return [
    ...moduleInitLines(system),
    'if ! type module >/dev/null 2>&1; then',
    `  echo ${shellQuote('no module command: no init file could be read')} >&2`,
    '  exit 3',
    'fi',
    ...(system.use.length > 0 ? [`module use ${system.use.map(shellQuote).join(' ')} || exit 4`] : []),
    // Lmod and Environment Modules write their listings to stderr.
    'if [ -n "$LMOD_CMD" ]; then',
    '  echo "hpchub-module-system: lmod"',
    '  module -t spider 2>&1',
    'else',
    '  echo "hpchub-module-system: environment-modules"',
    '  module -t avail 2>&1',
    'fi',
  ].join('\n');
}

/** Output beyond this is a broken listing, not a module tree. */
const MAX_OUTPUT = 64 * 1024 * 1024;

export function listModules(system: ModuleSystem, timeoutMs: number): Promise<ListedModules> {
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: process.env.HOME ?? '/',
    USER: process.env.USER ?? '',
    TERM: 'dumb',
  };
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/bash',
      ['--noprofile', '--norc', '-c', listingScript(system)],
      { env, timeout: timeoutMs, maxBuffer: MAX_OUTPUT, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err) {
          const why = (err as { killed?: boolean }).killed
            ? `it took longer than ${timeoutMs / 1000} s`
            : `${
                String(stderr || stdout)
                  .trim()
                  .slice(-500) || err.message
              }`;
          reject(new ModuleListError(`Listing the modules failed: ${why}`, err.code === 3));
          return;
        }
        const which = SYSTEM_LINE.exec(stdout);
        if (!which) {
          reject(new ModuleListError('Listing the modules failed: the module system did not answer.'));
          return;
        }
        const kind = which[1] as ListedModules['system'];
        resolve({
          ...parseTerse(stdout.slice(which.index + which[0].length)),
          system: kind,
          command: kind === 'lmod' ? 'module -t spider' : 'module -t avail',
        });
      },
    );
  });
}
