#!/usr/bin/env node
// tsc compiles TypeScript only; copy the non-TypeScript files the packages read at run time
// (stylesheets, scripts for the pages) from src/ to dist/, keeping their paths.
import { cpSync, existsSync } from 'node:fs';

const ASSET_DIRS = ['packages/hub/src/ui/static'];
const root = new URL('..', import.meta.url).pathname;
for (const dir of ASSET_DIRS) {
  const from = `${root}${dir}`;
  if (existsSync(from)) cpSync(from, `${root}${dir.replace('/src/', '/dist/')}`, { recursive: true });
}
