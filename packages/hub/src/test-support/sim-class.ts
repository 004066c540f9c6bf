// What many users do at once on a hub on a simulated cluster (sim-cluster.ts), shared by the
// scale test (which asserts on it) and `bench:scale` (which times it): press Start within a
// moment, follow the starts to their end, open the servers through the proxy, and a round of
// starts and stops during which the hub is killed with SIGKILL. Every answer's status is kept,
// so that a 5xx anywhere is seen.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerModel } from '@hpchub/protocol';
import type { ApiResponse } from './hub.js';
import type { SimCluster } from './sim-cluster.js';

export class SimClass {
  /** Every status the hub answered these users with. */
  readonly statuses: number[] = [];

  constructor(
    private readonly sim: SimCluster,
    private readonly tokens: Map<string, string>,
  ) {}

  token(user: string): string {
    const token = this.tokens.get(user);
    if (!token) throw new Error(`${user} has no token`);
    return token;
  }

  /** The users press Start, each at a random moment within `withinMs`. */
  async pressStart(users: string[], withinMs: number): Promise<ApiResponse<ServerModel>[]> {
    return Promise.all(
      users.map(async (user) => {
        await sleep(Math.random() * withinMs);
        const answer = await this.sim.start(user, this.token(user));
        this.statuses.push(answer.status);
        return answer;
      }),
    );
  }

  /** Follows each user's start until ready or failed: the users whose start did not end ready, and why. */
  async notReady(users: string[], timeoutMs = 120_000): Promise<string[]> {
    const ends = await Promise.all(
      users.map((user) =>
        this.sim
          .progress(user, this.token(user), timeoutMs)
          .catch((err: Error) => ({ message: err.message })),
      ),
    );
    return ends.flatMap((end, i) =>
      end && 'ready' in end && end.ready ? [] : [`${users[i]}: ${JSON.stringify(end)}`],
    );
  }

  /** Opens each user's server through the proxy: those that did not answer 200 "tiny". */
  async notServing(users: string[]): Promise<string[]> {
    const answers = await Promise.all(
      users.map((user) =>
        this.sim.open(user, this.token(user)).catch((err: Error) => ({ status: 0, text: err.message })),
      ),
    );
    this.statuses.push(...answers.map((a) => a.status));
    return answers.flatMap((a, i) =>
      a.status === 200 && a.text === 'tiny' ? [] : [`${users[i]}: ${a.status} ${a.text.slice(0, 100)}`],
    );
  }

  /**
   * `starting` press Start and `stopping` press Stop, each within half a second, and the hub is
   * killed with SIGKILL after `killAfterMs` and started again. Requests the kill cut short are
   * sent again, as their users would; then every start must end ready and every stop stopped.
   * Resolves with what went wrong (nothing, when all is well).
   */
  async killedDuring(starting: string[], stopping: string[], killAfterMs: number): Promise<string[]> {
    const sim = this.sim;
    const soon = (action: () => Promise<ApiResponse>) => sleep(Math.random() * 500).then(action);
    const work = Promise.allSettled([
      ...starting.map((u) => soon(() => sim.start(u, this.token(u)))),
      ...stopping.map((u) => soon(() => sim.stopServer(u, this.token(u)))),
    ]);
    await sleep(killAfterMs);
    await sim.hub.killAndRestart();
    const wrong: string[] = [];
    for (const result of await work)
      if (result.status === 'fulfilled') this.statuses.push(result.value.status);
    for (const user of starting) {
      const answer = await sim.start(user, this.token(user));
      // 400: already started, before the kill.
      if (![201, 202, 400].includes(answer.status))
        wrong.push(`start ${user}: ${answer.status} ${answer.text}`);
    }
    for (const user of stopping) {
      const answer = await sim.stopServer(user, this.token(user));
      this.statuses.push(answer.status);
    }
    wrong.push(...(await this.notReady(starting)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const servers = await sim.servers();
      const still = stopping.filter((u) => servers.find((s) => s.user === u)?.status !== 'stopped');
      if (still.length === 0) break;
      if (Date.now() > deadline) {
        wrong.push(`not stopped after a minute: ${still.join(', ')}`);
        break;
      }
      await sleep(200);
    }
    return [...wrong, ...(await this.settledProblems())];
  }

  /**
   * Where the hub, Slurm and the agents disagree once they have settled (an agent the hub
   * refused takes a moment to exit and end its job): sim.problems() after at most a minute.
   */
  async settledProblems(): Promise<string[]> {
    let problems = await this.sim.problems();
    const deadline = Date.now() + 60_000;
    while (problems.length > 0 && Date.now() < deadline) {
      await sleep(500);
      problems = await this.sim.problems();
    }
    return problems;
  }

  /** Statuses of 500 and above seen so far. */
  serverErrors(): number[] {
    return this.statuses.filter((s) => s >= 500);
  }
}
