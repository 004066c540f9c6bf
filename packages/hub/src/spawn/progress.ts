// Progress of server starts, as JupyterHub's event stream shapes it: a list of events per
// server (so a page opened late sees what happened so far) and live subscribers (the
// server-sent event streams). Held in memory: after a hub restart a start in progress says where
// it stands from then on.
import { escapeHtml } from '@hpchub/protocol';

export interface ProgressEvent {
  progress: number;
  message: string;
  html_message: string;
  ready?: boolean;
  failed?: boolean;
  url?: string;
  /** Slurm queue details while pending. */
  queue?: { reason?: string; estimated_start?: string };
}

type Listener = (event: ProgressEvent) => void;

interface Log {
  events: ProgressEvent[];
  listeners: Set<Listener>;
  done: boolean;
}

const MAX_EVENTS = 200;

export class ProgressBus {
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

  emit(serverId: number, event: Omit<ProgressEvent, 'html_message'> & { html_message?: string }): void {
    const log = this.log(serverId);
    const full: ProgressEvent = { ...event, html_message: event.html_message ?? escapeHtml(event.message) };
    // The same message twice in a row (a queue reason polled again) is not news.
    const last = log.events.at(-1);
    if (last && last.message === full.message && !full.ready && !full.failed) return;
    log.events.push(full);
    if (log.events.length > MAX_EVENTS) log.events.splice(1, log.events.length - MAX_EVENTS);
    if (full.ready || full.failed) log.done = true;
    for (const listener of log.listeners) listener(full);
  }

  /** The events so far, and whether the start has finished (ready or failed). */
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
