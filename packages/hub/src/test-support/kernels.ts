// A kernel a user installed themselves, as users do on a cluster: their own virtual environment
// (Debian's python3 -m venv in their home), ipykernel pip-installed into it (from the wheelhouse
// scripts/provision/kernels.sh made, so nothing is downloaded during tests), then
// `python -m ipykernel install --user`, all as that user. JupyterLab finds it in
// ~/.local/share/jupyter/kernels.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestSystemUser } from './system-users.js';

const run = promisify(execFile);
export const KERNEL_WHEELS = '/opt/hpchub-test/kernels/wheels';

export interface OwnKernel {
  /** The kernelspec's name. */
  name: string;
  /** The user's venv (the kernel's sys.prefix). */
  venv: string;
  remove(): Promise<void>;
}

async function asUser(user: TestSystemUser, argv: string[]): Promise<string> {
  const env = ['env', '-i', `HOME=${user.home}`, `USER=${user.name}`, 'PATH=/usr/bin:/bin', 'LANG=C.UTF-8'];
  const { stdout } = await run('runuser', ['-u', user.name, '--', ...env, ...argv], {
    cwd: user.home,
    timeout: 300_000,
  });
  return stdout;
}

export async function installOwnKernel(user: TestSystemUser, name = 'hpchub-test-own'): Promise<OwnKernel> {
  if (!existsSync(KERNEL_WHEELS))
    throw new Error(`${KERNEL_WHEELS} is missing — run: sudo bash scripts/provision/kernels.sh`);
  const venv = join(user.home, `.${name}-venv`);
  const remove = async () => {
    await asUser(user, ['rm', '-rf', venv, join(user.home, '.local', 'share', 'jupyter', 'kernels', name)]);
  };
  await remove();
  await asUser(user, ['/usr/bin/python3', '-m', 'venv', venv]);
  await asUser(user, [
    `${venv}/bin/python`,
    '-m',
    'pip',
    'install',
    '--no-index',
    '--find-links',
    KERNEL_WHEELS,
    '--disable-pip-version-check',
    '--quiet',
    'ipykernel',
  ]);
  await asUser(user, [
    `${venv}/bin/python`,
    '-m',
    'ipykernel',
    'install',
    '--user',
    '--name',
    name,
    '--display-name',
    `My venv (${name})`,
  ]);
  return { name, venv, remove };
}
