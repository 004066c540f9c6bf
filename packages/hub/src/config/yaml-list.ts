// A site's definitions file (apps, presets, notebook collections): a YAML list whose entries
// must each fit a schema. Read once at start; every problem of every entry is reported together.
import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';

/**
 * Reads `path`; `what` names the file and its entries in messages ("apps file", "app
 * definitions"); with `uniqueIds`, two entries with the same `id` are refused too.
 */
export function readYamlList<T extends TSchema>(
  path: string,
  schema: T,
  what: { file: string; entries: string; uniqueIds?: boolean },
): Static<T>[] {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read the ${what.file} ${path}: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc))
    throw new Error(`The ${what.file} ${path} must be a YAML list of ${what.entries}.`);
  const problems: string[] = [];
  doc.forEach((entry, i) => {
    for (const e of Value.Errors(schema, entry))
      problems.push(`  [${i}]${e.path.replaceAll('/', '.')}: ${e.message}`);
  });
  if (problems.length > 0) throw new Error(`The ${what.file} ${path} is not valid:\n${problems.join('\n')}`);
  if (what.uniqueIds) {
    const ids = doc.map((entry) => (entry as { id: string }).id);
    const twice = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
    if (twice.length > 0)
      throw new Error(`The ${what.file} ${path} names ${twice.join(', ')} more than once.`);
  }
  return doc as Static<T>[];
}
