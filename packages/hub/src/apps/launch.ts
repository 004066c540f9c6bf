// Turns an app definition and a user's validated options into the launch spec the agent
// receives. The hub fills in what it knows (the URL prefix, the user, typed-in options); the
// agent fills in what only it knows ({port}, {socket}, {token}, {workdir}) and options chosen
// in its directory picker.
import type { AgentLaunchSpec } from '@hpchub/protocol';
import type { AppDefinition } from './definition.js';
import type { OptionValues } from './fields.js';

/** `/user/alice/` for the default server, `/user/alice/lab/` for a named one. */
export function serverPrefix(user: string, serverName: string): string {
  return serverName === '' ? `/user/${user}/` : `/user/${user}/${serverName}/`;
}

export interface LaunchInput {
  app: AppDefinition;
  user: string;
  serverName: string;
  options: OptionValues;
  startTimeoutSeconds: number;
  /** How often the agent reports the app's activity (culler.report_seconds). */
  reportSeconds: number;
}

export function buildLaunchSpec({
  app,
  user,
  serverName,
  options,
  startTimeoutSeconds,
  reportSeconds,
}: LaunchInput): AgentLaunchSpec {
  const prefix = serverPrefix(user, serverName);
  const pickerField = app.fields.find((f) => f.type === 'home_path' && f.picker);
  const fill = (text: string) =>
    text
      .replaceAll('{prefix}', prefix)
      .replaceAll('{prefix_path}', prefix.slice(0, -1))
      .replaceAll('{user}', user)
      .replace(/\{option:([a-z][a-z0-9_]*)\}/g, (whole, name: string) =>
        name === pickerField?.name || !Object.hasOwn(options, name) ? whole : String(options[name]),
      );
  let command = app.command.map(fill);
  if (app.apptainer) {
    const { image, binds, args } = app.apptainer;
    command = [
      'apptainer',
      'exec',
      ...binds.flatMap((b) => ['--bind', fill(b)]),
      ...args.map(fill),
      fill(image),
      ...command,
    ];
  }
  const spec: AgentLaunchSpec = {
    app: app.id,
    command,
    env: Object.fromEntries(Object.entries(app.env).map(([k, v]) => [k, fill(v)])),
    ...(app.files
      ? { files: app.files.map((f) => (f.content === undefined ? f : { ...f, content: fill(f.content) })) }
      : {}),
    listen: app.listen,
    ...(app.listen === 'tcp' ? { network: app.network ?? 'isolated' } : {}),
    prefix,
    prefixMode: app.prefix,
    readyPath: app.ready_path,
    appAuth:
      app.app_auth.kind === 'header' ? { ...app.app_auth, value: fill(app.app_auth.value) } : app.app_auth,
    startTimeoutSeconds: app.start_timeout_seconds ?? startTimeoutSeconds,
    options,
    activity: { source: app.activity ?? 'traffic', reportSeconds },
  };
  if (pickerField)
    spec.picker = {
      option: pickerField.name,
      root: String(options[pickerField.name] ?? '.'),
      title: pickerField.label,
    };
  return spec;
}
