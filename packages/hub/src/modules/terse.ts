// Reads the terse listings of the module systems: `module -t avail` (Lmod and Environment
// Modules) and Lmod's `module -t spider`. One entry per line; `DIR:` lines head each module
// tree; Lmod lists a name without version as `gcc/` before its versions; Environment Modules
// appends symbolic versions and tags in parentheses or angle brackets (`gcc/12.2.0(default)`,
// `foo/1.0 <L>`). Whatever is not a module name by hpchub's rules (hidden `.names`, messages)
// is left out and counted, never offered.
import { isModuleName } from '@hpchub/protocol';

export interface ModuleListing {
  /** Full names as listed (`gcc/12.2.0`), sorted, each once: what the form can suggest. */
  names: string[];
  /** Every name `module load` answers to: the full names and each of their leading parts (`gcc`). */
  known: Set<string>;
  /** Lines that were neither a tree heading nor a usable module name. */
  skipped: number;
}

/** Marks after a name that are not part of it: `(default)`, `(D)`, `<L>`, `<aL>` and the like. */
const TAGS = /(\s*(\([^()]*\)|<[^<>]*>))+$/u;

export function parseTerse(text: string): ModuleListing {
  const names = new Set<string>();
  const known = new Set<string>();
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.endsWith(':')) continue;
    const entry = line.replace(TAGS, '');
    const family = entry.endsWith('/');
    const name = family ? entry.slice(0, -1) : entry;
    if (!isModuleName(name)) {
      skipped++;
      continue;
    }
    if (!family) names.add(name);
    const parts = name.split('/');
    for (let i = 1; i <= parts.length; i++) known.add(parts.slice(0, i).join('/'));
  }
  return { names: [...names].sort(), known, skipped };
}
