#!/usr/bin/env node
// The `hpchub-slurm-gateway` command. The server itself is compiled TypeScript in dist/ (npm install builds it).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
