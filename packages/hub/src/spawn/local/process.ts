// Identifying a process across hub restarts: a pid alone may be reused by another process, so
// the local spawner also records the process's start time (field 22 of /proc/PID/stat, in clock
// ticks since boot), which no later process with the same pid can have.
import { readFile } from 'node:fs/promises';

export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** The start time of a live (non-zombie) process, or null when there is none with that pid. */
export async function processStartTime(pid: number): Promise<string | null> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may contain spaces; fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return null;
  return fields[19] ?? null;
}

export async function isAlive(identity: ProcessIdentity): Promise<boolean> {
  return (await processStartTime(identity.pid)) === identity.startTime;
}

/** Sends a signal to the process group; false when there was nothing to signal. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
