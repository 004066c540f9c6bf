// `npm run bench:readme`: writes the README's table of issue 18's goals from
// bench/results/scale.json (readme-table.ts), as bench:scale and bench:faults do when they end.
import { writeReadmeTable } from './readme-table.js';

writeReadmeTable();
console.log('wrote the goals table of README.md from bench/results/scale.json');
