// Where a collection's files are read from: its `dir`, or for `git:` the hub's own clone in the
// cache directory, fetched again on each open (one fetch at a time per collection). The clone is
// readable by users (0755 folders, 0644 files), since the copy into their homes runs as them.
// Git runs as the hub, with the repository named by the site's configuration only (a `--`
// before it, and no leading `-` allowed by the schema).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { HubConfig } from '../config/index.js';
import { HubError } from '../errors/index.js';
import { makeTraversable } from '../spawn/index.js';
import type { Collection } from './collections.js';

const run = promisify(execFile);
const GIT_TIMEOUT_MS = 120_000;

export function cacheDir(config: HubConfig): string {
  return config.notebooks.cache_dir || join(config.data_dir, 'collections');
}

async function git(args: string[], cwd?: string): Promise<void> {
  await run('git', args, {
    timeout: GIT_TIMEOUT_MS,
    ...(cwd && { cwd }),
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
  });
}

export class CollectionSources {
  private readonly fetching = new Map<string, Promise<string>>();

  constructor(private readonly config: HubConfig) {}

  /** The directory to copy from, fetched afresh for a git collection. */
  async directory(collection: Collection): Promise<string> {
    const source = collection.source;
    if ('dir' in source) return source.dir;
    let pending = this.fetching.get(collection.id);
    if (!pending) {
      pending = this.fetch(collection.id, source).finally(() => this.fetching.delete(collection.id));
      this.fetching.set(collection.id, pending);
    }
    return pending;
  }

  private async fetch(id: string, source: { git: string; ref?: string | undefined }): Promise<string> {
    const cache = cacheDir(this.config);
    await mkdir(cache, { recursive: true, mode: 0o755 });
    if (!relative(this.config.data_dir, cache).startsWith('..')) makeTraversable(this.config.data_dir);
    const dir = join(cache, id);
    const ref = source.ref ?? 'HEAD';
    try {
      if (!existsSync(join(dir, '.git'))) {
        const fresh = `${dir}.${process.pid}.tmp`;
        await rm(fresh, { recursive: true, force: true });
        await git(['clone', '--quiet', '--no-checkout', '--', source.git, fresh]);
        await git(
          ['checkout', '--quiet', '--detach', ref === 'HEAD' ? 'HEAD' : `origin/${ref}`],
          fresh,
        ).catch(() => git(['checkout', '--quiet', '--detach', ref], fresh));
        await rename(fresh, dir);
      } else {
        await git(['fetch', '--quiet', '--prune', 'origin', ref], dir);
        await git(['checkout', '--quiet', '--force', '--detach', 'FETCH_HEAD'], dir);
        await git(['clean', '--quiet', '-ffdx'], dir);
      }
      // Readable by the users it is copied for, whatever the hub's umask.
      await run('chmod', ['-R', 'a+rX', '--', dir], { timeout: GIT_TIMEOUT_MS });
    } catch (err) {
      throw new HubError(
        'unavailable',
        'The collection’s repository cannot be read right now; try again later.',
        {
          detail: (err as Error).message,
        },
      );
    }
    return dir;
  }
}
