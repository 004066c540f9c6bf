// What the job script prepared before it started the agent (AGENT_JOB_ENV): a step to show in
// the progress log, or why the app must not start (a module that failed to load, with the module
// system's own words). Both are texts from other programs, so they are cut to what the hub
// accepts and freed of terminal control sequences before they travel. Also when the script
// began, for the agent's log.
import { AGENT_JOB_ENV } from '@hpchub/protocol';

export interface JobReport {
  /** For the progress log, at most 500 characters. */
  progress: string | undefined;
  /** The start failed before the agent: at most 4000 characters, the limit of `stopping`. */
  failure: string | undefined;
  /** When the job script began (ISO 8601); undefined when the shell did not say (bash < 5). */
  startedAt: string | undefined;
}

/** Plain text: no ANSI escapes or other control characters but newlines, runs of blank lines folded. */
export function plainText(text: string, max: number): string {
  const plain = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what is removed
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: as above
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

export function readJobReport(env: NodeJS.ProcessEnv): JobReport {
  const read = (name: string, max: number) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : plainText(value, max);
  };
  return {
    progress: read(AGENT_JOB_ENV.progress, 500),
    failure: read(AGENT_JOB_ENV.failure, 4000),
    startedAt: epochTime(env[AGENT_JOB_ENV.started]),
  };
}

/** `$EPOCHREALTIME` (seconds, with a point or the locale's comma) as ISO 8601; undefined if it is not one. */
export function epochTime(value: string | undefined): string | undefined {
  if (value === undefined || !/^\d{1,12}[.,]\d{1,9}$/.test(value)) return undefined;
  return new Date(Number(value.replace(',', '.')) * 1000).toISOString();
}
