// A site's definitions file (apps, presets, notebook collections): a YAML list whose entries
// must each fit a schema. Read once at start; every problem of every entry is reported together.
import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';

/** Reads `path`; `what` names the file and its entries in messages ("apps file", "app definitions"). */
export function readYamlList<T extends TSchema>(
  path: string,
  schema: T,
  what: { file: string; entries: string },
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
  return doc as Static<T>[];
}
