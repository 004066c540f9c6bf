// Writes the files an app's command names (AgentLaunchSpec.files) into the job's private
// directory before the app starts: directories 0700, files 0600, executables 0700, secrets of
// fresh random bytes 0600. Every path must stay inside the work directory once its placeholders
// are filled; the directory is new and private, so nothing else can have put a link there.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppFile } from '@hpchub/protocol';
import { fillPlaceholders, type PlaceholderValues } from './placeholders.js';

const MODES: Record<AppFile['kind'], number> = {
  directory: 0o700,
  file: 0o600,
  executable: 0o700,
  secret: 0o600,
};

export class AppFileError extends Error {
  override name = 'AppFileError';
}

/** Where a file goes: its filled path, which must lie inside the work directory. */
export function appFilePath(file: Pick<AppFile, 'path'>, values: PlaceholderValues): string {
  const filled = fillPlaceholders(file.path, values);
  const resolved = path.resolve(filled);
  if (resolved !== filled.replace(/\/+$/, '') || !resolved.startsWith(`${values.workdir}/`))
    throw new AppFileError(`${file.path} is not a path inside the job's directory`);
  return resolved;
}

export async function writeAppFiles(files: readonly AppFile[], values: PlaceholderValues): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const where = appFilePath(file, values);
    const mode = MODES[file.kind];
    await mkdir(path.dirname(where), { recursive: true, mode: 0o700 });
    if (file.kind === 'directory') await mkdir(where, { recursive: true, mode });
    else {
      const content =
        file.kind === 'secret'
          ? `${randomBytes(32).toString('hex')}\n`
          : fillPlaceholders(file.content ?? '', values);
      // wx: never through something that is already there.
      await writeFile(where, content, { mode, flag: 'wx' });
    }
    // Whatever the umask.
    await chmod(where, mode);
    written.push(where);
  }
  return written;
}
