// `npm run bench:readme`: writes the README's table of issue 18's goals from
// bench/results/scale.json (readme-table.ts). Run it after committing new benchmark results.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderGoalsSection, type ScaleReport, withGoalsTable } from './readme-table.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const README = join(ROOT, 'README.md');
const report = JSON.parse(readFileSync(join(ROOT, 'bench/results/scale.json'), 'utf8')) as ScaleReport;
writeFileSync(README, withGoalsTable(readFileSync(README, 'utf8'), renderGoalsSection(report)));
console.log('wrote the goals table of README.md from bench/results/scale.json');
