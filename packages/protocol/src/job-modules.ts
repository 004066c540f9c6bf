// The environment-modules part of a job script. A batch job runs a non-login bash with a clean
// PATH, which reads no /etc/profile.d: `module` exists only if the script sources the node's init
// file itself, as a login shell would. Then the site's extra module trees are `module use`d, the
// app's modules and the user's are loaded (in that order), and what happened is handed to the
// agent (AGENT_JOB_ENV), which tells the hub: what was loaded, or the module system's own error
// as a failed start, so that no server ever starts without the software that was asked for.
// A job with nothing to load (the usual case) does not source the init file up front: sourcing
// it costs tens of milliseconds of every start (Lmod's profile runs a dozen processes), so
// `module` and `ml` are then functions that source it on their first call (see lazyInitLines).
// Every name is single-quoted here; names are validated long before (module names in the hub,
// a pattern in the slurm-gateway), but the script must be safe whatever it is given.
import { AGENT_JOB_ENV } from './agent.js';
import { shellQuote } from './shell-quote.js';

/**
 * What a module name may look like anywhere in hpchub (app definitions, users' lists, the
 * slurm-gateway): `/`-separated parts of letters, digits and `. _ + -`, none starting with `.`
 * or `-` (so no `..`, no hidden modules, nothing `module` could read as an option), at most
 * MODULE_NAME_MAX characters. Lmod's and Environment Modules' usual names (`gcc/12.2.0`,
 * `python/3.11.6-gcc-12.2.0`, `stack/2024-06`) fit.
 */
export const MODULE_NAME_PATTERN = '^[A-Za-z0-9_+][A-Za-z0-9._+-]*(/[A-Za-z0-9_+][A-Za-z0-9._+-]*)*$';
export const MODULE_NAME_MAX = 128;
const MODULE_NAME = new RegExp(MODULE_NAME_PATTERN);

export function isModuleName(name: string): boolean {
  return name.length <= MODULE_NAME_MAX && MODULE_NAME.test(name);
}

/** Where the module system comes from on the nodes. */
export interface ModuleSystem {
  /** Init files tried in order; the first readable one is sourced when `module` is not defined yet. */
  init: string[];
  /** Module trees (directories) to `module use` before loading anything. */
  use: string[];
  /**
   * Source the init file in every job, even one with nothing to load, so that the variables it
   * sets (MODULEPATH, LMOD_*, …) reach every app; by default such a job defines `module` to
   * source it on first use instead.
   */
  initAlways?: boolean;
}

/** The variable naming the init file that the on-first-use `module` sources (lazyInitLines). */
export const MODULE_INIT_ENV = 'HPCHUB_MODULE_INIT';

/**
 * Where Lmod and Environment Modules put their bash set-up on common distributions: the
 * profile.d scripts first (they also set the site's MODULEPATH), then the bare init files.
 */
export const DEFAULT_MODULE_INIT: readonly string[] = [
  '/etc/profile.d/lmod.sh',
  '/etc/profile.d/z00_lmod.sh',
  '/etc/profile.d/modules.sh',
  '/usr/share/lmod/lmod/init/profile',
  '/usr/share/lmod/lmod/init/bash',
  '/usr/share/Modules/init/bash',
  '/usr/share/modules/init/bash',
];

/** How much of the module system's error the job hands to the agent (the hub keeps 4000). */
const ERROR_BYTES = 3500;

export interface ModuleLines {
  /** The app's modules (its definition), loaded first. */
  app: readonly string[];
  /** The user's modules ("Other software"), loaded after the app's. */
  user: readonly string[];
  system: ModuleSystem;
}

const quoted = (names: readonly string[]) => names.map(shellQuote).join(' ');

const initFiles = (system: ModuleSystem) => (system.init.length > 0 ? system.init : DEFAULT_MODULE_INIT);

/**
 * Bash that sources the first readable init file unless `module` is defined already; the job
 * script and the hub's own listing of the modules share it, so both see the same module system.
 */
export function moduleInitLines(system: ModuleSystem): string[] {
  return [
    'if ! type module >/dev/null 2>&1; then',
    // A site that names its init file has a one-word list: a loop over it is still right.
    '  # shellcheck disable=SC2043',
    `  for hpchub_init in ${quoted(initFiles(system))}; do`,
    '    if [ -r "$hpchub_init" ]; then',
    '      echo "hpchub: making the module command available with $hpchub_init"',
    '      . "$hpchub_init"',
    '      break',
    '    fi',
    '  done',
    'fi',
  ];
}

/**
 * Bash that, unless `module` is defined already, makes `module` and `ml` functions that source
 * the first readable init file on their first call and then run as the module system's own
 * (which the init file defines in their place). They are exported, as Lmod's own are, so bash
 * scripts the custom script runs and the app's shells (a JupyterLab terminal) have them too; a
 * call there sources the init file in that shell. Nothing is defined when no init file can be
 * read, so `type module` still says whether the node has a module system.
 */
function lazyInitLines(system: ModuleSystem): string[] {
  return [
    'if ! type module >/dev/null 2>&1; then',
    '  # shellcheck disable=SC2043',
    `  for hpchub_init in ${quoted(initFiles(system))}; do`,
    '    if [ -r "$hpchub_init" ]; then',
    `      export ${MODULE_INIT_ENV}="$hpchub_init"`,
    `      hpchub_module_init() { unset -f module ml hpchub_module_init; . "$${MODULE_INIT_ENV}"; }`,
    '      module() { hpchub_module_init; module "$@"; }',
    '      ml() { hpchub_module_init; ml "$@"; }',
    '      export -f hpchub_module_init module ml',
    '      break',
    '    fi',
    '  done',
    'fi',
  ];
}

/**
 * Lines that make `module` available (up front when there is something to load or a tree to add,
 * or when the site wants it always; else on first use) and load the modules. Afterwards
 * `$hpchub_failure` is empty, or says why the start must fail; the caller skips the rest of the preparation when it is set.
 */
export function moduleLines({ app, user, system }: ModuleLines): string[] {
  const init = initFiles(system);
  const wanted = [...app, ...user];
  const lines = [
    // Only this script decides whether the job failed: nothing inherited from sbatch's environment.
    `unset ${AGENT_JOB_ENV.progress} ${AGENT_JOB_ENV.failure}`,
    "hpchub_failure=''",
  ];
  if (wanted.length === 0 && system.use.length === 0)
    return [...lines, ...(system.initAlways ? moduleInitLines(system) : lazyInitLines(system))];
  lines.push(...moduleInitLines(system));
  lines.push(
    'if type module >/dev/null 2>&1; then',
    ...(system.use.length > 0 ? [`  module use ${quoted(system.use)}`] : []),
  );
  if (wanted.length > 0) {
    const names = shellQuote(wanted.join(' '));
    lines.push(
      `  printf 'hpchub: module load %s\\n' ${names}`,
      '  hpchub_module_log="$(mktemp -t hpchub-modules.XXXXXX)" || hpchub_module_log=/dev/null',
      // The module system writes its messages (and errors) to stderr; its exit status says which.
      `  if module load ${quoted(wanted)} 2>"$hpchub_module_log"; then`,
      '    cat "$hpchub_module_log"',
      `    export ${AGENT_JOB_ENV.progress}="Modules loaded: \${LOADEDMODULES//:/ }"`,
      '  else',
      '    cat "$hpchub_module_log"',
      `    hpchub_failure=${shellQuote(`Loading the modules ${wanted.join(' ')} failed: `)}"$(head -c ${ERROR_BYTES} "$hpchub_module_log")"`,
      '  fi',
      '  [ "$hpchub_module_log" = /dev/null ] || rm -f "$hpchub_module_log"',
      'else',
      `  hpchub_failure=${shellQuote(
        `The modules ${wanted.join(' ')} were asked for, but this node has no module command ` +
          `(none of ${init.join(', ')} could be read).`,
      )}`,
    );
  } else lines.push('else', '  echo "hpchub: no module command on $(hostname); module trees not added"');
  lines.push('fi');
  return lines;
}
