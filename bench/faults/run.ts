// `npm run bench:faults`: the faults on the real components alone (measure.ts), written into
// bench/results/scale.json as its `faults_real` section and their goals into its `goals`, keeping
// the rest of the file, then the README's table of the goals from it (`npm run bench:scale` runs
// them too, and writes the whole file). Needs the real
// Slurm cluster and PostgreSQL's binaries (scripts/provision/all.sh), root (jobs run as the test
// users), and a build (`npm run build`: the hub runs from dist/). Ends with one JSON line.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeReadmeTable } from '../scale/readme-table.js';
import { realFaults } from './measure.js';

const FILE = join(new URL('../../', import.meta.url).pathname, 'bench/results/scale.json');

async function main(): Promise<void> {
  const faults = await realFaults();
  const report = existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>) : {};
  report.faults_real = { date: new Date().toISOString(), ...faults };
  // bench:scale's summary of every goal shows these too.
  if (report.goals && typeof report.goals === 'object')
    (report.goals as Record<string, unknown>).faults_real = faults.goals;
  writeFileSync(FILE, `${JSON.stringify(report, null, 2)}\n`);
  writeReadmeTable();
  console.log(JSON.stringify({ benchmark: 'faults', goals: faults.goals }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
