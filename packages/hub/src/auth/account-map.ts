// From what a provider or directory says about a person to the hub's names: the username (which
// with the Slurm spawner is the cluster account jobs run as) and hub group names. The rules are
// the site's (`auth.account_map`, `auth.group_map`); a value they do not turn into a valid name
// cannot sign in, rather than becoming some other account by accident.
import type { HubConfig } from '../config/index.js';
import { parseValueMap } from '../config/sso-lists.js';
import { groupNameProblem, normaliseUsername, usernameProblem } from '../users/names.js';

export type MappedName = { ok: true; name: string } | { ok: false; problem: string };

export interface AccountMap {
  /** The hub username for a claimed value, or why there is none. */
  username(value: string): MappedName;
  /** Hub group names for the values of a groups claim (or directory groups); invalid ones dropped. */
  groups(values: readonly string[]): string[];
}

export function createAccountMap(auth: Pick<HubConfig['auth'], 'account_map' | 'group_map'>): AccountMap {
  const table = parseValueMap(auth.account_map.table).value;
  const groupTable = parseValueMap(auth.group_map).value;
  const pattern = auth.account_map.pattern === '' ? null : new RegExp(auth.account_map.pattern, 'u');
  const domains = auth.account_map.strip_domains.map((d) => `@${d.toLowerCase()}`);

  function fromRules(value: string): MappedName {
    let name = value;
    if (pattern) {
      const m = pattern.exec(value);
      if (!m) return { ok: false, problem: `${value} does not match auth.account_map.pattern` };
      name = m[1] ?? m[0];
    }
    name = normaliseUsername(name);
    const domain = domains.find((d) => name.endsWith(d));
    if (domain) name = name.slice(0, -domain.length);
    const problem = usernameProblem(name);
    return problem ? { ok: false, problem: `${value} maps to "${name}": ${problem}` } : { ok: true, name };
  }

  return {
    username(value) {
      const listed = table.get(value);
      if (listed === undefined) return fromRules(value);
      const name = normaliseUsername(listed);
      const problem = usernameProblem(name);
      return problem
        ? { ok: false, problem: `auth.account_map.table maps ${value} to "${name}": ${problem}` }
        : { ok: true, name };
    },
    groups(values) {
      const out = new Set<string>();
      for (const value of values) {
        const name = groupTable.get(value) ?? value.toLowerCase();
        if (groupNameProblem(name) === null) out.add(name);
      }
      return [...out].sort();
    },
  };
}
