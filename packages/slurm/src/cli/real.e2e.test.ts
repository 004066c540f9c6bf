// The command-line client against the real single-node cluster of scripts/provision/slurm.sh,
// submitting as the test user hpchub-alice through runuser (the tests run as root).
import { execFileSync } from 'node:child_process';
import { CliSlurmClient } from '@hpchub/slurm';
import { slurmClientConformance } from '@hpchub/slurm/test-support';

const USER = 'hpchub-alice';

function requireCluster(): void {
  if (process.getuid?.() !== 0)
    throw new Error(
      'These tests submit jobs as hpchub-alice through runuser, which needs root: run `sudo npm test`.',
    );
  try {
    execFileSync('sinfo', ['-h', '-o', '%T'], { timeout: 15_000, stdio: 'pipe' });
    execFileSync('id', [USER], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `Slurm or the test users are not ready (${(err as Error).message}) — run: sudo bash scripts/provision/all.sh`,
    );
  }
}

slurmClientConformance('CliSlurmClient on the real cluster', async () => {
  requireCluster();
  return {
    client: new CliSlurmClient({ userPrefix: ['runuser', '-u', '{user}', '--'] }),
    user: USER,
    otherUser: 'hpchub-bob',
    header: ['#SBATCH --output=/dev/null', '#SBATCH --chdir=/tmp', '#SBATCH --time=10', '#SBATCH --mem=100M'],
    patienceMs: 90_000,
  };
});
