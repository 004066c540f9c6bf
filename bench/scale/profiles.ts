// BENCH_SCALE_PROFILE=DIR: the hub's CPU profiles of the measured stretches (the surge, the mixed
// traffic, the restart), named by engine and stretch, for finding where its time goes (open them
// in Chrome's DevTools or any .cpuprofile viewer). Off by default: profiling costs the hub CPU.
import { mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PROFILE_DIR = process.env.BENCH_SCALE_PROFILE
  ? resolve(process.env.BENCH_SCALE_PROFILE)
  : undefined;
if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true });

/** Renames the profile of a stretch (if one was taken) to `<engine>-<stretch>.cpuprofile`; its new path. */
export function nameProfile(path: string | undefined, engine: string, stretch: string): string | undefined {
  if (!path || !PROFILE_DIR) return undefined;
  const named = join(PROFILE_DIR, `${engine}-${stretch}.cpuprofile`);
  renameSync(path, named);
  return named;
}
