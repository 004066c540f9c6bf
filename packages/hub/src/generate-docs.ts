// Writes the generated reference docs (`npm run docs`): docs/config.md from the option
// declarations, docs/errors.md from the error catalogue. Tests check both are current.
import { writeFileSync } from 'node:fs';
import { CONFIG_DOCS_URL, renderConfigDocs } from './config/docs.js';
import { ERRORS_DOC, renderErrorsDoc } from './errors/docs.js';

writeFileSync(CONFIG_DOCS_URL, renderConfigDocs());
writeFileSync(ERRORS_DOC, renderErrorsDoc());
console.log(`wrote ${CONFIG_DOCS_URL.pathname} and ${ERRORS_DOC}`);
