// `hpchub-agent --sync-collection`: copies a notebook collection into the user's home and, on
// later opens, merges the collection's changes without overwriting the user's. The hub runs it
// as the user (the way it runs jobs), so every file is the user's own and nothing is written
// where the user could not write anyway.
//
// The merge follows nbgitpuller's rules, per file, against a record of what was last copied
// (COLLECTION_MANIFEST in the target): a new file is added; a file the user left alone is
// updated; a file both changed keeps the user's version (and the report says so); a file the
// user deleted comes back; a file of the user's own in the way of a new one is renamed with a
// time stamp; a file the collection dropped is removed only if the user left it alone.
//
// Nothing is followed that should not be: symbolic links in the collection are skipped, and so
// is every file under a folder of the target that is a symbolic link; the target directory
// itself (`~/notebooks/ID`) must be a real directory. Files are written to a fresh temporary
// file (O_EXCL, O_NOFOLLOW) and renamed into place, which replaces a link instead of writing
// through it.
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { COLLECTION_MANIFEST, type CollectionSyncReport, type CollectionSyncRequest } from '@hpchub/protocol';

class SyncRefused extends Error {}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function lstatOrNull(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The collection's regular files (relative, `/`-separated), skipping links and the oversized. */
async function sourceFiles(req: CollectionSyncRequest, report: CollectionSyncReport): Promise<string[]> {
  const files: string[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const name = entry.name;
      const relPath = rel ? `${rel}/${name}` : name;
      if (name === '.git' || name === COLLECTION_MANIFEST) continue;
      if (entry.isSymbolicLink()) {
        report.skipped.push({ path: relPath, reason: 'a symbolic link (not copied)' });
      } else if (entry.isDirectory()) {
        await walk(path.join(dir, name), relPath);
      } else if (!entry.isFile()) {
        report.skipped.push({ path: relPath, reason: 'not a regular file' });
      } else {
        const size = (await lstat(path.join(dir, name))).size;
        if (size > req.maxFileBytes)
          report.skipped.push({
            path: relPath,
            reason: `larger than ${Math.floor(req.maxFileBytes / 1048576)} MB`,
          });
        else files.push(relPath);
        if (files.length > req.maxFiles)
          throw new SyncRefused(
            `The collection has more than ${req.maxFiles} files; ask the site to make it smaller.`,
          );
      }
    }
  }
  await walk(req.source, '');
  return files;
}

/** Makes sure `dir` is a real directory (creating it), refusing a link or a file in its place. */
async function realDirectory(dir: string, shown: string): Promise<boolean> {
  const st = await lstatOrNull(dir);
  if (st === null) {
    await mkdir(dir, { mode: 0o755 });
    return true;
  }
  if (st.isSymbolicLink())
    throw new SyncRefused(`${shown} is a symbolic link; move it away and open the collection again.`);
  if (!st.isDirectory())
    throw new SyncRefused(`${shown} is not a folder; move it away and open the collection again.`);
  return true;
}

/** The parent folders of a file inside the target, each a real directory; false if one is not. */
async function parentsInside(target: string, rel: string): Promise<boolean> {
  const parts = rel.split('/').slice(0, -1);
  let dir = target;
  for (const part of parts) {
    dir = path.join(dir, part);
    const st = await lstatOrNull(dir);
    if (st === null) await mkdir(dir, { mode: 0o755 });
    else if (st.isSymbolicLink() || !st.isDirectory()) return false;
  }
  return true;
}

/** Writes `data` to `file` through a new temporary file renamed into place (never through a link). */
async function writeFileSafely(file: string, data: Buffer): Promise<void> {
  const tmp = path.join(path.dirname(file), `.hpchub-${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

/** `name_20261206T081500.ext`: the user's file in the way of a new one (nbgitpuller's naming). */
function stampedName(rel: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const ext = path.posix.extname(rel);
  return `${rel.slice(0, rel.length - ext.length)}_${stamp}${ext}`;
}

async function readManifest(file: string): Promise<Record<string, string>> {
  const st = await lstatOrNull(file);
  if (!st?.isFile()) return {};
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { files?: Record<string, string> };
    return parsed.files && typeof parsed.files === 'object' ? parsed.files : {};
  } catch {
    return {};
  }
}

export async function syncCollection(
  req: CollectionSyncRequest,
  now = new Date(),
): Promise<CollectionSyncReport> {
  const report: CollectionSyncReport = {
    added: [],
    updated: [],
    restored: [],
    kept: [],
    renamed: [],
    removed: [],
    skipped: [],
  };
  if (req.target.some((p) => p === '' || p === '.' || p === '..' || p.includes('/')))
    throw new SyncRefused('The target folder name is not valid.');
  const files = await sourceFiles(req, report);
  let target = req.home;
  for (const [i, part] of req.target.entries()) {
    target = path.join(target, part);
    await realDirectory(target, `~/${req.target.slice(0, i + 1).join('/')}`);
  }
  const manifestPath = path.join(target, COLLECTION_MANIFEST);
  const before = await readManifest(manifestPath);
  const after: Record<string, string> = {};

  for (const rel of files) {
    const data = await readFile(path.join(req.source, rel));
    const hash = sha256(data);
    after[rel] = hash;
    if (!(await parentsInside(target, rel))) {
      report.skipped.push({
        path: rel,
        reason: 'a folder on its way in your copy is a symbolic link or a file',
      });
      continue;
    }
    const dest = path.join(target, rel);
    const st = await lstatOrNull(dest);
    const recorded = before[rel];
    if (st === null) {
      await writeFileSafely(dest, data);
      (recorded === undefined ? report.added : report.restored).push(rel);
      continue;
    }
    if (!st.isFile()) {
      report.skipped.push({ path: rel, reason: 'your copy has a link or a folder there (kept)' });
      continue;
    }
    const mine = sha256(await readFile(dest));
    if (mine === hash) continue;
    if (recorded === undefined) {
      const to = stampedName(rel, now);
      await rename(dest, path.join(target, to));
      report.renamed.push({ from: rel, to });
      await writeFileSafely(dest, data);
    } else if (mine === recorded) {
      await writeFileSafely(dest, data);
      report.updated.push(rel);
    } else if (hash !== recorded) {
      report.kept.push(rel);
    }
  }

  for (const [rel, recorded] of Object.entries(before)) {
    if (Object.hasOwn(after, rel)) continue;
    const dest = path.join(target, rel);
    const st = await lstatOrNull(dest);
    if (st?.isFile() && (await parentsInside(target, rel)) && sha256(await readFile(dest)) === recorded) {
      await unlink(dest);
      report.removed.push(rel);
    }
  }
  await writeFileSafely(manifestPath, Buffer.from(`${JSON.stringify({ files: after }, null, 1)}\n`));
  return report;
}

/** The command: the request on stdin, the report (or `{error}`, exit 2) on stdout. */
export async function runCollectionSync(stdin: NodeJS.ReadableStream): Promise<number> {
  let text = '';
  for await (const chunk of stdin) text += String(chunk);
  try {
    const report = await syncCollection(JSON.parse(text) as CollectionSyncRequest);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  } catch (err) {
    const known = err instanceof SyncRefused;
    process.stdout.write(
      `${JSON.stringify({ error: known ? err.message : `The copy failed: ${(err as Error).message}` })}\n`,
    );
    return 2;
  }
}
