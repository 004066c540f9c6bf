// The file-system side of the directory picker: resolves a path the browser sent (relative to
// the picker's root) and lists the directories in it. Nothing outside the root can be listed
// or chosen: `..` segments are refused outright, and every path — including where a symbolic
// link points — is resolved with realpath and must stay inside the root's real path.
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export class PickerError extends Error {
  override name = 'PickerError';
  constructor(
    readonly status: 400 | 403 | 404,
    message: string,
  ) {
    super(message);
  }
}

export interface DirectoryEntry {
  name: string;
  /** Path relative to the root, `/`-separated ('' is the root). */
  path: string;
}

export interface Listing {
  path: string;
  /** The parent's path, or null at the root. */
  parent: string | null;
  entries: DirectoryEntry[];
  /** True when there were more directories than MAX_ENTRIES. */
  truncated: boolean;
}

const MAX_ENTRIES = 5000;

/** The picker root from the spec: relative to $HOME (also `~` and `~/x`), or absolute. */
export function pickerRootPath(root: string, home: string): string {
  const rel = root === '~' ? '' : root.startsWith('~/') ? root.slice(2) : root;
  return path.resolve(home, rel);
}

export class DirectoryTree {
  private constructor(
    /** The root's real path. */
    readonly root: string,
  ) {}

  static async open(root: string): Promise<DirectoryTree> {
    const real = await realpath(root);
    if (!(await stat(real)).isDirectory()) throw new Error(`${root} is not a directory`);
    return new DirectoryTree(real);
  }

  private inside(real: string): boolean {
    return real === this.root || real.startsWith(this.root.endsWith('/') ? this.root : `${this.root}/`);
  }

  private relative(real: string): string {
    return path.relative(this.root, real).split(path.sep).join('/');
  }

  /** The real absolute path and canonical relative path of a directory the browser named. */
  async resolve(relative: string): Promise<{ absolute: string; path: string }> {
    if (relative.length > 4096 || relative.includes('\0'))
      throw new PickerError(400, 'That path is not valid.');
    if (relative.startsWith('/')) throw new PickerError(400, 'Paths are relative to the picker’s root.');
    const segments = relative.split('/').filter((s) => s !== '' && s !== '.');
    if (segments.includes('..')) throw new PickerError(400, 'Paths may not go up with “..”.');
    let real: string;
    try {
      real = await realpath(path.join(this.root, ...segments));
    } catch (err) {
      throw fsError(err);
    }
    if (!this.inside(real)) throw new PickerError(403, 'That directory is outside the allowed root.');
    let isDir = false;
    try {
      isDir = (await stat(real)).isDirectory();
    } catch (err) {
      throw fsError(err);
    }
    if (!isDir) throw new PickerError(400, 'That is not a directory.');
    return { absolute: real, path: this.relative(real) };
  }

  async list(relative: string, showHidden: boolean): Promise<Listing> {
    const dir = await this.resolve(relative);
    let dirents: Dirent[];
    try {
      dirents = await readdir(dir.absolute, { withFileTypes: true });
    } catch (err) {
      throw fsError(err);
    }
    const entries: DirectoryEntry[] = [];
    for (const d of dirents) {
      if (!showHidden && d.name.startsWith('.')) continue;
      const child = path.join(dir.absolute, d.name);
      if (d.isDirectory()) entries.push({ name: d.name, path: this.relative(child) });
      else if (d.isSymbolicLink()) {
        // A link is offered only when it leads to a directory inside the root; it is then shown
        // under its own name, and choosing it chooses its target.
        const target = await realpath(child).catch(() => null);
        if (target === null || !this.inside(target)) continue;
        const isDir = await stat(target).then(
          (s) => s.isDirectory(),
          () => false,
        );
        if (isDir) entries.push({ name: d.name, path: `${dir.path === '' ? '' : `${dir.path}/`}${d.name}` });
      }
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    const parent = dir.path === '' ? null : path.posix.dirname(dir.path).replace(/^\.$/, '');
    return {
      path: dir.path,
      parent,
      entries: entries.slice(0, MAX_ENTRIES),
      truncated: entries.length > MAX_ENTRIES,
    };
  }
}

function fsError(err: unknown): PickerError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new PickerError(404, 'That directory does not exist.');
  if (code === 'EACCES' || code === 'EPERM') return new PickerError(403, 'You may not read that directory.');
  return new PickerError(400, `That directory cannot be read (${code ?? 'error'}).`);
}
