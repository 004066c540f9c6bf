// What the gateway asks Slurm beyond the SlurmClient interface, as the gateway itself and as
// argument vectors: a job's owner (before cancelling it for a user), node states and GPU types
// (for GET /v1/cluster), and whether the controller answers (for GET /v1/health).
import { type Exec, minimalEnv, SlurmError } from '@hpchub/slurm';

export class SlurmFacts {
  constructor(
    private readonly exec: Exec,
    private readonly binDir: string,
    private readonly timeoutMs: number,
  ) {}

  private run(name: string, args: string[]) {
    const command = this.binDir ? `${this.binDir.replace(/\/$/, '')}/${name}` : name;
    return this.exec([command, ...args], { timeoutMs: this.timeoutMs, env: minimalEnv() });
  }

  /** The owner of a job the controller lists; undefined when it lists none with that id. */
  async ownerOf(id: string): Promise<string | undefined> {
    const result = await this.run('squeue', ['--noheader', '--states=all', `--jobs=${id}`, '--format=%u']);
    if (result.code !== 0) {
      if (/invalid job id/i.test(result.stderr)) return undefined;
      throw new SlurmError('unavailable', `squeue: ${result.stderr.trim() || result.spawnError || 'failed'}`);
    }
    return result.stdout.trim().split('\n')[0]?.trim() || undefined;
  }

  async nodes(): Promise<{ nodes: { name: string; state: string }[]; gpuTypes: string[] }> {
    const result = await this.run('sinfo', ['--noheader', '--Node', '--format=%N|%T|%G']);
    if (result.code !== 0) throw new SlurmError('unavailable', `sinfo: ${result.stderr.trim() || 'failed'}`);
    const nodes = new Map<string, string>();
    const types = new Set<string>();
    for (const line of result.stdout.split('\n')) {
      const [name, state, gres] = line.trim().split('|');
      if (!name || !state) continue;
      nodes.set(name, state);
      for (const m of (gres ?? '').matchAll(/gpu:([^:(,]+):\d+/g)) if (m[1]) types.add(m[1]);
    }
    return { nodes: [...nodes].map(([name, state]) => ({ name, state })), gpuTypes: [...types].sort() };
  }

  async controllerAnswers(): Promise<boolean> {
    const result = await this.run('scontrol', ['ping']);
    return result.code === 0 && /UP/.test(result.stdout);
  }
}
