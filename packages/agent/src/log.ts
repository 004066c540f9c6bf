// Structured logs: one JSON object per line on stderr, which the job's log file (Slurm's
// output file, or the local spawner's log) keeps. Callers pass fields, never formatted strings,
// and every value registered with `redact` (the hub secret, the app token) is replaced in the
// serialised line, so a secret cannot reach the log even through an app's own output.

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** Registers a value that must never appear in a log line (ignored when shorter than 8 chars). */
  redact(value: string): void;
}

export const REDACTED = '[redacted]';

/** Replaces every occurrence of the given secrets in `text`. */
export function redactAll(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const secrets: string[] = [];
  const emit = (level: LogLevel, event: string, fields: LogFields = {}) => {
    const line = JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }, errorReplacer);
    write(`${redactAll(line, secrets)}\n`);
  };
  return {
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
    redact(value) {
      // A short value would blank out unrelated text; our secrets are 32 random bytes.
      if (value.length >= 8 && !secrets.includes(value)) secrets.push(value);
    },
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return code === undefined ? value.message : `${value.message} (${code})`;
  }
  return value;
}
