// Fills the placeholders of the launch spec's command, environment and auth header:
// {port} {socket} {prefix} {prefix_path} {token} {workdir} {user} {option:NAME}. Values are
// substituted into argv elements and environment values, never into a shell line, so a value
// cannot inject anything; a placeholder the agent cannot fill is an error, never left as text.

export interface PlaceholderValues {
  /** TCP port of the app (listen: tcp). */
  port?: number;
  /** Unix socket path of the app (listen: unix). */
  socket?: string;
  /** Public URL prefix with its trailing slash, e.g. /user/alice/lab/. */
  prefix: string;
  token: string;
  workdir: string;
  /** The login name the agent runs as. */
  user: string;
  options: Readonly<Record<string, string | number | boolean>>;
}

export class PlaceholderError extends Error {
  override name = 'PlaceholderError';
}

const PLACEHOLDER = /\{(port|socket|prefix|prefix_path|token|workdir|user|option:([^{}]*))\}/g;

export function fillPlaceholders(template: string, v: PlaceholderValues): string {
  return template.replace(PLACEHOLDER, (_all, name: string, option: string | undefined) => {
    if (option !== undefined) {
      const value = v.options[option];
      if (value === undefined)
        throw new PlaceholderError(`{option:${option}} names no user option of this server`);
      return String(value);
    }
    switch (name) {
      case 'port':
        if (v.port === undefined)
          throw new PlaceholderError('{port} is only available when the app listens on tcp');
        return String(v.port);
      case 'socket':
        if (v.socket === undefined)
          throw new PlaceholderError('{socket} is only available when the app listens on unix');
        return v.socket;
      case 'prefix':
        return v.prefix;
      case 'prefix_path':
        // TensorBoard's --path_prefix and similar want the prefix without its trailing slash.
        return v.prefix.replace(/\/+$/, '');
      case 'token':
        return v.token;
      case 'workdir':
        return v.workdir;
      default:
        return v.user;
    }
  });
}

/** Fills every element; errors name where the bad placeholder was. */
export function fillCommand(argv: readonly string[], v: PlaceholderValues): string[] {
  return argv.map((arg, i) => withContext(`command[${i}]`, () => fillPlaceholders(arg, v)));
}

export function fillEnv(env: Readonly<Record<string, string>>, v: PlaceholderValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    out[name] = withContext(`env.${name}`, () => fillPlaceholders(value, v));
  return out;
}

function withContext<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof PlaceholderError) throw new PlaceholderError(`${where}: ${err.message}`);
    throw err;
  }
}
