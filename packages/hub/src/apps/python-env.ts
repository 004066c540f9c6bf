// A Python environment with JupyterLab for hubs that have none: the embedded default of
// `npm start` on a machine without Jupyter. Built with the system's python3 into
// `<data_dir>/venv`, from PyPI, readable by the accounts jobs run as.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const JUPYTER_PACKAGES = ['jupyterlab>=4,<5', 'notebook>=7,<8'];

export function venvBin(dataDir: string): string {
  return join(dataDir, 'venv', 'bin');
}

/** Whether `command` is an executable in one of `dirs`. */
export async function findOnPath(command: string, dirs: string[]): Promise<string | null> {
  for (const dir of dirs) {
    const path = join(dir, command);
    try {
      await access(path, 1);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}

async function openUp(path: string): Promise<void> {
  const info = await stat(path);
  if (info.isDirectory()) {
    await chmod(path, (info.mode & 0o777) | 0o755);
    for (const entry of await readdir(path)) await openUp(join(path, entry));
  } else if (info.isFile()) {
    await chmod(path, (info.mode & 0o777) | (info.mode & 0o100 ? 0o755 : 0o644));
  }
}

/**
 * Creates `<data_dir>/venv` with JupyterLab unless it is there already; returns its bin directory.
 * Throws with pip's last words when the installation fails.
 */
export async function installJupyter(
  dataDir: string,
  log: { info(o: object, m: string): void },
  python = '/usr/bin/python3',
): Promise<string> {
  const bin = venvBin(dataDir);
  if (existsSync(join(bin, 'jupyter-lab'))) return bin;
  const venv = join(dataDir, 'venv');
  log.info({ venv, packages: JUPYTER_PACKAGES }, 'installing JupyterLab for the local spawner (once)');
  try {
    await run(python, ['-m', 'venv', venv], { timeout: 120_000 });
    await run(join(bin, 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...JUPYTER_PACKAGES], {
      timeout: 900_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '')
      .trim()
      .split('\n')
      .slice(-5)
      .join('\n');
    throw new Error(`Installing JupyterLab into ${venv} failed: ${stderr || (err as Error).message}`);
  }
  // Jobs may run as another account (spawner.local_user): everything readable, nothing writable.
  await openUp(venv);
  log.info({ venv }, 'JupyterLab installed');
  return bin;
}
