#!/usr/bin/env node
// The `hpchub` command. The CLI itself is compiled TypeScript in dist/ (npm install builds it).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
