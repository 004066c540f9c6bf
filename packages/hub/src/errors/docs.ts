// docs/errors.md, rendered from the error catalogue so the two never drift apart.
import { fileURLToPath } from 'node:url';
import { ERRORS } from './catalogue.js';

export const ERRORS_DOC = fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url));

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERRORS).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.message} |`);
  return [
    '# API error codes',
    '',
    '<!-- Generated from packages/hub/src/errors/catalogue.ts by `npm run docs`; do not edit. -->',
    '',
    'Every error the hub answers with has the same JSON body:',
    '',
    '```json',
    '{ "code": "validation_failed", "message": "Some fields are not valid; see validations.",',
    '  "validations": [{ "field": "name", "message": "A username has at most 32 characters." }] }',
    '```',
    '',
    '`code` is stable and safe to branch on; `message` is a sentence for people (often more',
    'specific than the default below); `detail` may add debugging information; `validations`',
    'lists one message per invalid field. A request you may not make answers `not_found`,',
    'exactly like a resource that does not exist.',
    '',
    '| code | HTTP status | default message |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
