// Settings from the YAML file, each remembered with the line it is on. Unknown keys are errors
// here (unlike unknown environment variables): a typo in the file would otherwise be silently
// ignored and the default used instead.
import { readFileSync } from 'node:fs';
import {
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  LineCounter,
  parseDocument,
  type YAMLMap,
} from 'yaml';
import { OPTION_BY_KEY, SECTION_KEYS } from './describe.js';
import { addValue, emptyLayer, type Layer } from './layer.js';
import { closest } from './suggest.js';

const KNOWN_KEYS = [...SECTION_KEYS, ...OPTION_BY_KEY.keys()];

const isEmpty = (node: unknown): boolean => node == null || (isScalar(node) && node.value === null);

/**
 * Reads the file at `path`. `shown` is how messages name it (the path as the user gave it) and
 * `origin` says where that path came from (`flag --config`), for when the file cannot be read.
 */
export function fileOverrides(path: string, shown: string, origin: string): Layer {
  const layer = emptyLayer();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `the configuration file ${path} does not exist`
        : `the configuration file ${path} cannot be read: ${(err as Error).message}`;
    layer.problems.push({ key: 'config', source: origin, message });
    return layer;
  }

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number | undefined): string =>
    offset === undefined ? shown : `${shown}:${lines.linePos(offset).line}`;

  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      layer.problems.push({ key: '', source: at(error.pos[0]), message: `not valid YAML: ${error.message}` });
    }
    return layer;
  }
  if (isEmpty(doc.contents)) return layer;
  if (!isMap(doc.contents)) {
    layer.problems.push({
      key: '',
      source: at(doc.contents?.range?.[0]),
      message: 'the file must be a mapping of keys to values, like `port: 8000`',
    });
    return layer;
  }
  readMap(doc, doc.contents, '', at, layer);
  return layer;
}

function readMap(
  doc: Document,
  map: YAMLMap,
  prefix: string,
  at: (offset?: number) => string,
  layer: Layer,
): void {
  for (const pair of map.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const key = prefix === '' ? name : `${prefix}.${name}`;
    const source = at(isScalar(pair.key) ? pair.key.range?.[0] : map.range?.[0]);
    const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
    const option = OPTION_BY_KEY.get(key);

    if (SECTION_KEYS.has(key)) {
      // An empty section (everything under it commented out) means "all defaults".
      if (isEmpty(value)) continue;
      if (isMap(value)) readMap(doc, value, key, at, layer);
      else layer.problems.push({ key, source, message: 'must be a section of keys and values' });
    } else if (option !== undefined) {
      addValue(layer, option, isEmpty(value) ? null : isNode(value) ? value.toJS(doc) : value, source);
    } else {
      const guess = closest(key, KNOWN_KEYS);
      layer.problems.push({ key, source, message: `unknown key${guess ? `; did you mean ${guess}?` : ''}` });
    }
  }
}
