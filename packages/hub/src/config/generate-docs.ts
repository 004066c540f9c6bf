// Writes docs/config.md from the option declarations: `npm run docs:config`.
import { writeFileSync } from 'node:fs';
import { CONFIG_DOCS_URL, renderConfigDocs } from './docs.js';

writeFileSync(CONFIG_DOCS_URL, renderConfigDocs());
console.log(`wrote ${CONFIG_DOCS_URL.pathname}`);
