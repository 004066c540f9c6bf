// Turns the launch spec into what starting the app needs: where it will listen (a socket in
// the private work directory, or a free loopback port), its argv and environment with every
// placeholder filled, and how to reach and authenticate to it.
import net from 'node:net';
import type { AgentLaunchSpec } from '@hpchub/protocol';
import { AppAuth } from './app-auth.js';
import { writeAppFiles } from './app-files.js';
import { type AppEndpoint, AppTarget } from './app-target.js';
import { fillCommand, fillEnv, fillPlaceholders, type PlaceholderValues } from './placeholders.js';
import { socketPath } from './workdir.js';

export interface AppLaunch {
  argv: string[];
  env: NodeJS.ProcessEnv;
  target: AppTarget;
  auth: AppAuth;
}

export interface LaunchInputs {
  spec: AgentLaunchSpec;
  /** The user options, with the picker's choice filled in. */
  options: PlaceholderValues['options'];
  token: string;
  workdir: string;
  user: string;
  /** The agent's environment, which the app inherits without the agent's own variables. */
  env: NodeJS.ProcessEnv;
}

export async function prepareLaunch(i: LaunchInputs): Promise<AppLaunch> {
  const { spec } = i;
  const endpoint: AppEndpoint =
    spec.listen === 'unix'
      ? { socketPath: socketPath(i.workdir) }
      : { host: '127.0.0.1', port: await freePort() };
  const values: PlaceholderValues = {
    prefix: spec.prefix,
    token: i.token,
    workdir: i.workdir,
    user: i.user,
    options: i.options,
    ...('socketPath' in endpoint ? { socket: endpoint.socketPath } : { port: endpoint.port }),
  };
  // The files the command names exist before it runs.
  await writeAppFiles(spec.files ?? [], values);
  return {
    argv: fillCommand(spec.command, values),
    env: { ...withoutAgentVariables(i.env), ...fillEnv(spec.env, values) },
    target: new AppTarget(endpoint, spec.prefix, spec.prefixMode),
    auth: new AppAuth(spec.appAuth, i.token, (t) => fillPlaceholders(t, values)),
  };
}

/** The app must not see the hub's secret, nor the rest of the agent's configuration. */
function withoutAgentVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('HPCHUB_AGENT_')) out[k] = v;
  return out;
}

/** A free TCP port on loopback (released just before the app takes it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
