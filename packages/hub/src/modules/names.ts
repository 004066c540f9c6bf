// A user's list of modules to load ("Other software"), as typed in the form (`gcc/12.2.0
// python/3.11.6`) or sent as a JSON list: split, bounded, and checked name by name against the
// site's rules — names the module system knows, or (the site's choice) names matching a strict
// pattern. Every name is also held to the one alphabet module names have anywhere in hpchub
// (@hpchub/protocol isModuleName), whatever the site's pattern allows, so nothing a user types
// can ever be more than a name to `module load`.
import { isModuleName } from '@hpchub/protocol';
import type { HubConfig } from '../config/index.js';

export interface ModuleRules {
  /** Every name the module system answers to (full names and names without a version); absent: any name matching `pattern`. */
  known?: ReadonlySet<string>;
  /** The site's pattern, matched against the whole name. */
  pattern: RegExp;
  maxCount: number;
  maxLength: number;
}

/** The rules of `config.modules`, with the names of the last listing when the site wants known names only. */
export function moduleRules(config: Pick<HubConfig, 'modules'>, known?: ReadonlySet<string>): ModuleRules {
  const m = config.modules;
  return {
    known: m.names === 'known' ? known : undefined,
    pattern: new RegExp(`^(?:${m.pattern})$`, 'u'),
    maxCount: m.max_count,
    maxLength: m.max_length,
  };
}

/** At most this many problems are named in one message; the rest are counted. */
const NAMED_PROBLEMS = 3;

/** A name as it appears in a message: quoted, and cut short when long or odd. */
function shown(name: string): string {
  const cut = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  return JSON.stringify(cut);
}

function nameProblem(name: string, rules: ModuleRules): string | undefined {
  if (name.length > rules.maxLength) return `${shown(name)} is longer than ${rules.maxLength} characters`;
  if (!isModuleName(name) || !rules.pattern.test(name))
    return `${shown(name)} is not a module name (letters, digits and . _ + - /, parts not starting with . or -)`;
  if (rules.known && !rules.known.has(name)) return `${shown(name)} is not a module this cluster has`;
  return undefined;
}

/**
 * The names to load, in the order given, each once; or one message for the field saying what is
 * wrong. Text is split at white space and commas; a list must hold one name per entry.
 */
export function checkModuleList(raw: unknown, rules: ModuleRules): string[] | { problem: string } {
  const budget = rules.maxCount * (rules.maxLength + 1);
  let names: string[];
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') {
    // A bound before any work: a 100 KB field is refused as what it is, not parsed.
    if (raw.length > budget)
      return { problem: `This list is too long: give at most ${rules.maxCount} module names.` };
    names = raw.split(/[\s,]+/u).filter((n) => n !== '');
  } else if (Array.isArray(raw)) {
    if (raw.length > rules.maxCount)
      return { problem: `Give at most ${rules.maxCount} modules; this list has ${raw.length}.` };
    if (!raw.every((n): n is string => typeof n === 'string'))
      return { problem: 'Give module names as text, like gcc/12.2.0.' };
    const spaced = raw.find((n) => /\s/u.test(n.trim()));
    if (spaced !== undefined) return { problem: `A module name has no spaces: ${shown(spaced)}.` };
    names = raw.map((n) => n.trim()).filter((n) => n !== '');
  } else return { problem: 'Give module names separated by spaces, like gcc/12.2.0 python/3.11.6.' };

  const unique = [...new Set(names)];
  if (unique.length > rules.maxCount)
    return { problem: `Give at most ${rules.maxCount} modules; this list has ${unique.length}.` };
  const problems = unique.flatMap((n) => nameProblem(n, rules) ?? []);
  if (problems.length === 0) return unique;
  const more = problems.length - NAMED_PROBLEMS;
  const named = problems.slice(0, NAMED_PROBLEMS).join('; ');
  const hint =
    rules.known && problems.some((p) => p.endsWith('this cluster has')) ? ' (`module avail` lists them)' : '';
  return { problem: `${named}${more > 0 ? `; and ${more} more` : ''}${hint}.` };
}

/**
 * What is left of a remembered list (`gcc/12.2.0 python/3.11.6`, as stored) under today's rules:
 * each name that is still acceptable, in order, each once — a module removed since is dropped
 * and the rest kept — and no more than the site allows now.
 */
export function keptNames(stored: unknown, rules: ModuleRules): string[] {
  if (typeof stored !== 'string') return [];
  const names = [...new Set(stored.split(/[\s,]+/u).filter((n) => n !== ''))];
  return names.filter((n) => nameProblem(n, rules) === undefined).slice(0, rules.maxCount);
}
