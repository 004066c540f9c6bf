// Renders docs/config.md from the option declarations. The file is written by generate-docs.ts
// and a test fails when the committed copy differs from what this renders.
import { stringify } from 'yaml';
import { defaultValues, OPTIONS, type OptionInfo, SECTIONS } from './describe.js';
import { CONFIG_ENV } from './env-flags.js';

/** Where the generated reference lives in the repository. */
export const CONFIG_DOCS_URL = new URL('../../../../docs/config.md', import.meta.url);

const INTRO = `# Configuration reference

<!-- Generated from packages/hub/src/config/options.ts by \`npm run docs\`. Do not edit. -->

The hub needs no configuration to start: every option has a default. To change one, use any of
three sources; for a key given in several, the later one wins:

1. **A YAML file**, named with \`--config <path>\` or the environment variable \`${CONFIG_ENV}\`.
   Without either, no file is read. A file that is named but missing is an error. Sections are
   YAML nesting: the key \`auth.rate_limit.window_seconds\` is written

   \`\`\`yaml
   auth:
     rate_limit:
       window_seconds: 600
   \`\`\`

2. **Environment variables**: \`HPCHUB_\` and the key in capitals with \`.\` replaced by \`_\`, e.g.
   \`HPCHUB_AUTH_RATE_LIMIT_WINDOW_SECONDS=600\`.
3. **Command-line flags**: \`--\` and the key with \`.\` and \`_\` replaced by \`-\`, e.g.
   \`--auth-rate-limit-window-seconds 600\`.

So the order of precedence is: defaults < file < environment < flags.

In the file, values have their YAML types (\`port: 8000\`, \`allow_all: false\`,
\`admin_users: [alice, bob]\`). Environment variables and flags are text, read by the option's
type: integers are decimal digits (\`12abc\` is an error); booleans are \`true\`/\`false\`,
\`yes\`/\`no\` or \`1\`/\`0\`; lists are comma-separated (\`alice, bob\`), and an empty value is the
empty list.

The result is checked strictly before the hub starts. Unknown keys in the file, values of the
wrong type and values out of range are errors, and all of them are reported at once, each with its
key and where the value came from (file and line, environment variable, or flag). An unknown
\`HPCHUB_*\` environment variable is only a warning; \`${CONFIG_ENV}\` and \`HPCHUB_TEST_*\` are
not settings and are never warned about.`;

function showDefault(value: unknown): string {
  if (value === '') return 'empty';
  if (Array.isArray(value) && value.length === 0) return 'empty list';
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

function renderOption(o: OptionInfo): string {
  const type = o.constraints.length > 0 ? `${o.type} (${o.constraints.join('; ')})` : o.type;
  const lines = [
    `### \`${o.key}\``,
    '',
    o.description,
    '',
    `- Type: ${type}`,
    `- Default: ${showDefault(o.default)}`,
    `- Environment: \`${o.env}\``,
    `- Flag: \`${o.flag}\``,
    ...o.rules.map((rule) => `- Rule: ${rule}`),
  ];
  return lines.join('\n');
}

const sectionOf = (key: string): string => key.slice(0, Math.max(0, key.lastIndexOf('.')));

export function renderConfigDocs(): string {
  const parts = [INTRO];
  const groups = [{ key: '', description: 'Options outside any section.' }, ...SECTIONS];
  for (const group of groups) {
    const options = OPTIONS.filter((o) => sectionOf(o.key) === group.key);
    if (options.length === 0) continue;
    parts.push(`## ${group.key === '' ? 'General' : `\`${group.key}\``}\n\n${group.description}`);
    parts.push(...options.map(renderOption));
  }
  parts.push(
    `## Every default\n\nA file that sets every option to its default:\n\n\`\`\`yaml\n${stringify(defaultValues())}\`\`\``,
  );
  return `${parts.join('\n\n')}\n`;
}
