// An in-memory Slurm for tests of everything that uses a SlurmClient: jobs queue, start after a
// few queries (or, as a scheduler does, after a queueing delay of their own), end when cancelled
// or when a test says so, and the whole cluster can be made unreachable. An squeue can be made to
// cost what it costs a busy controller: more the more jobs it holds. It passes the same
// conformance suite as the real clients.
import {
  type ActiveJob,
  type ClusterInfo,
  isFinalState,
  type JobAnswer,
  type JobInfo,
  type JobRef,
  type SlurmClient,
  SlurmError,
} from '@hpchub/slurm';

interface FakeJob extends JobInfo {
  script: string;
  /** `#SBATCH --comment=…` of the script; '' without one. */
  comment: string;
  queries: number;
  /** `exit N` in the script: the job fails with N once it runs. */
  exitsWith?: number;
}

export interface FakeSlurmOptions {
  /** Queries a job stays PENDING before it runs (default 1); unused with queueDelayMs. */
  pendingQueries?: number;
  /**
   * The scheduler's own pace instead: each job runs this many ms after its submission, whether
   * or not anyone asks (drawn once per job).
   */
  queueDelayMs?: () => number;
  /**
   * What one query costs the controller, as the time before it answers: `baseMs` plus `perJobMs`
   * for each job it holds (squeue walks them all, whichever were asked for).
   */
  queryCost?: { baseMs: number; perJobMs: number };
  /** A job started running (its script is what the node runs: the agent's settings). */
  onRun?: (job: Readonly<FakeJobView>) => void;
  /** A running job ended (cancelled, or ended by a test): the node signals its processes. */
  onEnd?: (job: Readonly<FakeJobView>) => void;
  cluster?: ClusterInfo;
}

/** A job as the hooks see it. */
export interface FakeJobView {
  id: string;
  user: string;
  script: string;
}

/** One query as the controller saw it: when (ms, performance.now()), how many jobs it was asked about, how many it held. */
export interface FakeQuery {
  at: number;
  asked: number;
  held: number;
}

export const FAKE_CLUSTER: ClusterInfo = {
  partitions: [
    {
      name: 'normal',
      isDefault: true,
      up: true,
      maxCpusPerNode: 8,
      maxMemoryMbPerNode: 32_768,
      maxGpusPerNode: 0,
      maxTimeSeconds: null,
      allowGroups: null,
      allowAccounts: null,
      nodes: 2,
    },
    {
      name: 'gpu',
      isDefault: false,
      up: true,
      maxCpusPerNode: 16,
      maxMemoryMbPerNode: 65_536,
      maxGpusPerNode: 4,
      maxTimeSeconds: 24 * 3600,
      allowGroups: null,
      allowAccounts: null,
      nodes: 1,
    },
  ],
};

export class FakeSlurm implements SlurmClient {
  readonly jobs = new Map<string, FakeJob>();
  /** Calls per method, to check that a poll is one query. */
  readonly calls = { submit: 0, query: 0, cancel: 0, listJobs: 0, clusterInfo: 0 };
  /** Every query, in order. */
  readonly queries: FakeQuery[] = [];
  /** Jobs not yet in a final state. */
  private active = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** While true, every call behaves as if the controller did not answer. */
  unreachable = false;
  private nextId = 1000;

  constructor(private readonly options: FakeSlurmOptions = {}) {}

  private get cluster(): ClusterInfo {
    return this.options.cluster ?? FAKE_CLUSTER;
  }

  async submit({ user, script }: { user: string; script: string }): Promise<string> {
    this.calls.submit += 1;
    // As sbatch when it cannot connect: the job never reached the controller.
    if (this.unreachable)
      throw new SlurmError(
        'unavailable',
        'sbatch: Unable to contact slurm controller (connect failure)',
        '',
        {
          notSent: true,
        },
      );
    const partition =
      /^#SBATCH --partition=(\S+)$/m.exec(script)?.[1] ??
      this.cluster.partitions.find((p) => p.isDefault)?.name;
    if (!this.cluster.partitions.some((p) => p.name === partition))
      throw new SlurmError('refused', 'Invalid partition name specified');
    const id = String(this.nextId++);
    const exit = /^exit (\d+)$/m.exec(script)?.[1];
    this.active += 1;
    this.jobs.set(id, {
      id,
      user,
      state: 'PENDING',
      reason: 'Priority',
      partition,
      source: 'squeue',
      script,
      comment: /^#SBATCH --comment=(\S+)$/m.exec(script)?.[1] ?? '',
      queries: 0,
      ...(exit !== undefined ? { exitsWith: Number(exit) } : {}),
    });
    const delay = this.options.queueDelayMs?.();
    if (delay !== undefined) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const job = this.jobs.get(id);
        if (job?.state === 'PENDING') this.start(job);
      }, delay);
      this.timers.add(timer);
    }
    return id;
  }

  async query(refs: JobRef[]): Promise<Map<string, JobAnswer>> {
    this.calls.query += 1;
    this.queries.push({ at: performance.now(), asked: refs.length, held: this.active });
    const cost = this.options.queryCost;
    if (cost) await new Promise((resolve) => setTimeout(resolve, cost.baseMs + cost.perJobMs * this.active));
    const answers = new Map<string, JobAnswer>();
    for (const ref of refs) {
      if (this.unreachable) {
        answers.set(ref.id, { kind: 'unknown', detail: 'Unable to contact slurm controller' });
        continue;
      }
      const job = this.jobs.get(ref.id);
      if (!job || job.user !== ref.user) {
        answers.set(ref.id, {
          kind: 'gone',
          detail: `Neither the Slurm queue nor accounting knows job ${ref.id}.`,
        });
        continue;
      }
      job.queries += 1;
      const byQueries = this.options.queueDelayMs === undefined;
      if (byQueries && job.state === 'PENDING' && job.queries > (this.options.pendingQueries ?? 1))
        this.start(job);
      else if (job.state === 'RUNNING' && job.exitsWith !== undefined)
        this.end(job.id, job.exitsWith === 0 ? 'COMPLETED' : 'FAILED', job.exitsWith);
      const { script: _s, comment: _c, queries: _q, exitsWith: _e, ...info } = job;
      answers.set(ref.id, { kind: 'job', job: { ...info } });
    }
    return answers;
  }

  async cancel(ref: JobRef): Promise<void> {
    this.calls.cancel += 1;
    if (this.unreachable) throw new SlurmError('unavailable', 'scancel: Unable to contact slurm controller');
    const job = this.jobs.get(ref.id);
    if (job && job.user === ref.user && !isFinalState(job.state)) this.end(job.id, 'CANCELLED', 0, 15);
  }

  async listJobs(user: string): Promise<ActiveJob[]> {
    this.calls.listJobs += 1;
    if (this.unreachable) throw new SlurmError('unavailable', 'squeue: Unable to contact slurm controller');
    return [...this.jobs.values()]
      .filter((j) => j.user === user && !isFinalState(j.state))
      .map(({ id, state, comment }) => ({ id, user, state, comment }));
  }

  async clusterInfo(): Promise<ClusterInfo> {
    this.calls.clusterInfo += 1;
    if (this.unreachable) throw new SlurmError('unavailable', 'sinfo: Unable to contact slurm controller');
    return structuredClone(this.cluster);
  }

  /** Starts a pending job now. */
  start(job: FakeJob): void {
    job.state = 'RUNNING';
    job.node = 'fake-node';
    job.startTime = new Date().toISOString();
    delete job.reason;
    this.options.onRun?.(job);
  }

  /** Ends a job the way a test needs: 'TIMEOUT', 'NODE_FAIL', 'FAILED' with an exit code… */
  end(id: string, state: string, exitCode = 0, signal = 0, elapsedSeconds?: number): void {
    const job = this.jobs.get(id);
    if (!job || isFinalState(job.state)) return;
    const wasRunning = job.state === 'RUNNING';
    this.active -= 1;
    job.state = state;
    job.exitCode = exitCode;
    job.signal = signal;
    job.endTime = new Date().toISOString();
    if (elapsedSeconds !== undefined) job.elapsedSeconds = elapsedSeconds;
    if (wasRunning) this.options.onEnd?.(job);
  }

  /** Jobs not yet in a final state. */
  get activeJobs(): number {
    return this.active;
  }

  /** Stops the queueing delays' timers (the jobs stay as they are). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** The script a job was submitted with (holds the server's secret, as a real one would). */
  scriptOf(id: string): string | undefined {
    return this.jobs.get(id)?.script;
  }
}
