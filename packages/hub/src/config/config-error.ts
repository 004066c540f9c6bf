// The error loadConfig throws: every problem found, each with the key and where its value came
// from, so that one run of `hpchub config check` shows everything there is to fix.

export interface ConfigProblem {
  /** Dotted key (`auth.rate_limit.window_seconds`), or '' for a problem with a whole file. */
  key: string;
  /** Where the value came from: `path/to/hub.yaml:12`, `env HPCHUB_PORT`, `flag --port`, `default`. */
  source: string;
  /** What is wrong, as a phrase that follows the key: `must be an integer from 1 to 65535; got 0`. */
  message: string;
}

export const formatProblem = (p: ConfigProblem): string =>
  p.key === '' ? `${p.source}: ${p.message}` : `${p.key} (${p.source}): ${p.message}`;

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      `The hub configuration is not valid (${count}):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
