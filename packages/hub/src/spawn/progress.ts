// Progress of server starts, as JupyterHub's event stream shapes it: a list of events per
// server (so a page opened late sees what happened so far) and live subscribers (the
// server-sent event streams). Held in memory: after a hub restart a start in progress says where
// it stands from then on.
//
// The steps of a start and how far along each one is (JupyterHub's progress bar, in percent)
// are declared here and nowhere else; callers name the step.
import { escapeHtml } from '@hpchub/protocol';

export const STEPS = {
  /** The request was accepted and the server row written. */
  requested: 5,
  /** Waiting in the hub's line for a free start slot (start-line.ts); the place changes, not the bar. */
  line: 10,
  /** The start's turn came: it left the line and is being launched. */
  admitted: 15,
  /** The job was launched (a pid, a Slurm job id) and its state saved. */
  submitted: 20,
  /** A restarted hub picked up a start that was under way. */
  readopted: 20,
  /** The scheduler holds the job in its queue. */
  queued: 30,
  /** The job runs; the agent starts the app. */
  running: 50,
  /** The agent's own messages climb from here, by `AGENT_STEP` each, up to `agentLast`. */
  agent: 60,
  agentLast: 90,
  /** Ready, failed or cancelled. */
  done: 100,
} as const;

const AGENT_STEP = 3;

export type Step = Exclude<keyof typeof STEPS, 'agent' | 'agentLast'>;

export interface ProgressEvent {
  progress: number;
  message: string;
  html_message: string;
  ready?: boolean;
  failed?: boolean;
  url?: string;
  /** Slurm queue details while pending. */
  queue?: { reason?: string; estimated_start?: string };
  /** The place in the hub's line for a start slot (1 = next); 0 once it is the start's turn. */
  line?: { position: number };
}

/** What a step adds to its message: the end of a start, its URL, the queue or line details. */
export type StepDetail = Pick<ProgressEvent, 'ready' | 'failed' | 'url' | 'queue' | 'line'>;

type Listener = (event: ProgressEvent) => void;

interface Log {
  events: ProgressEvent[];
  listeners: Set<Listener>;
  done: boolean;
}

const MAX_EVENTS = 200;

/** What the pages and the API read of progress; only the spawning service writes it. */
export interface ProgressReader {
  /** The events so far, and whether the start has finished (ready or failed). */
  snapshot(serverId: number): { events: ProgressEvent[]; done: boolean };
  /** Live events of a start; returns the way to stop listening. */
  subscribe(serverId: number, listener: Listener): () => void;
}

export class ProgressBus implements ProgressReader {
  private readonly logs = new Map<number, Log>();

  private log(serverId: number): Log {
    let log = this.logs.get(serverId);
    if (!log) {
      log = { events: [], listeners: new Set(), done: false };
      this.logs.set(serverId, log);
    }
    return log;
  }

  /** Starts a fresh log for a new start of the server. */
  reset(serverId: number): void {
    const old = this.logs.get(serverId);
    this.logs.set(serverId, { events: [], listeners: old?.listeners ?? new Set(), done: false });
  }

  /** A step of the start, at its declared percentage. */
  step(serverId: number, step: Step, message: string, detail: StepDetail = {}): void {
    this.push(serverId, { ...detail, progress: STEPS[step], message });
  }

  /** A message of the agent's: each one a little further along, never past `agentLast`. */
  agent(serverId: number, message: string): void {
    const seen = this.logs.get(serverId)?.events.length ?? 0;
    this.push(serverId, { progress: Math.min(STEPS.agentLast, STEPS.agent + seen * AGENT_STEP), message });
  }

  private push(serverId: number, event: Omit<ProgressEvent, 'html_message'>): void {
    const log = this.log(serverId);
    const last = log.events.at(-1);
    // The bar never moves back: the hub's poll can see a job running after its agent's first
    // messages have come in (the agent starts before the next poll).
    const progress = Math.max(event.progress, last?.progress ?? 0);
    const full: ProgressEvent = { ...event, progress, html_message: escapeHtml(event.message) };
    // The same message twice in a row (a queue reason polled again) is not news.
    if (last && last.message === full.message && !full.ready && !full.failed) return;
    // A new place in line replaces the old one in the log: a page opened late shows where the
    // start stands, not every step it moved up. Listeners still hear each move.
    if (last?.line && full.line && full.line.position > 0) log.events.pop();
    log.events.push(full);
    if (log.events.length > MAX_EVENTS) log.events.splice(1, log.events.length - MAX_EVENTS);
    if (full.ready || full.failed) log.done = true;
    for (const listener of log.listeners) listener(full);
  }

  snapshot(serverId: number): { events: ProgressEvent[]; done: boolean } {
    const log = this.logs.get(serverId);
    return { events: [...(log?.events ?? [])], done: log?.done ?? false };
  }

  subscribe(serverId: number, listener: Listener): () => void {
    const log = this.log(serverId);
    log.listeners.add(listener);
    return () => log.listeners.delete(listener);
  }

  forget(serverId: number): void {
    this.logs.delete(serverId);
  }
}
