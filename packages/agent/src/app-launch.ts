// Turns the launch spec into what starting the app needs: where it will listen (a socket in
// the private work directory, or a free loopback port), its argv and environment with every
// placeholder filled, and how to reach and authenticate to it.
import { randomInt } from 'node:crypto';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
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
  /** The agent's own script, which runs the bridge of an isolated app (netns-bridge.ts). */
  agentScript: string;
}

/**
 * argv that runs the app in a user and network namespace of its own, as the job's user without
 * any privilege (`--map-current-user`; `--keep-caps` lets the bridge bring loopback up), behind
 * the bridge that serves its 127.0.0.1:port on a 0600 unix socket.
 */
function inOwnNetwork(argv: string[], socket: string, port: number, agentScript: string): string[] {
  return [
    'unshare',
    '--user',
    '--map-current-user',
    '--net',
    '--keep-caps',
    '--',
    process.execPath,
    agentScript,
    '--netns-bridge',
    socket,
    String(port),
    '--',
    ...argv,
  ];
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
  const isolatedPort = spec.network === 'isolated' && 'port' in endpoint ? endpoint.port : undefined;
  // The files the command names exist before it runs.
  await writeAppFiles(spec.files ?? [], values);
  const argv = fillCommand(spec.command, values);
  const env = { ...withoutAgentVariables(i.env), ...fillEnv(spec.env, values) };
  const bridged = { socketPath: socketPath(i.workdir) };
  // A command that is not there is reported as for any app (its spawn fails), not from inside.
  const command = isolatedPort === undefined ? undefined : findCommand(argv[0] as string, env.PATH);
  const isolated = isolatedPort !== undefined && command !== undefined;
  return {
    argv: isolated
      ? inOwnNetwork([command, ...argv.slice(1)], bridged.socketPath, isolatedPort, i.agentScript)
      : argv,
    env,
    target: new AppTarget(isolated ? bridged : endpoint, spec.prefix, spec.prefixMode),
    auth: new AppAuth(spec.appAuth, i.token, (t) => fillPlaceholders(t, values)),
  };
}

/** The executable `command` names: itself when it has a slash, else the first on PATH. */
function findCommand(command: string, path: string | undefined): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (path ?? '').split(':').map((dir) => `${dir || '.'}/${command}`);
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** The app must not see the hub's secret, nor the rest of the agent's configuration. */
function withoutAgentVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('HPCHUB_AGENT_')) out[k] = v;
  return out;
}

/** Where Linux says it hands out ports of its own choosing (bind to port 0, outgoing connections). */
const EPHEMERAL_RANGE = '/proc/sys/net/ipv4/ip_local_port_range';
/** The lowest port tried outside that range (below: well-known and common service ports). */
const LOWEST_PORT = 10000;
const TRIES = 20;

/**
 * A free TCP port on loopback, released just before the app takes it. Taken at random below the
 * kernel's ephemeral range where there is room: a port from inside it may be handed to another
 * socket in that instant (any outgoing connection, another agent asking for port 0), and with many
 * apps starting at once on one machine that happens. Falls back to a port the kernel chooses.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let i = 0; low !== undefined && low - LOWEST_PORT > TRIES && i < TRIES; i++) {
    const port = LOWEST_PORT + randomInt(low - LOWEST_PORT);
    if (await bindable(port)) return port;
  }
  return listenOn(0);
}

function ephemeralLow(): number | undefined {
  try {
    const low = Number(readFileSync(EPHEMERAL_RANGE, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : undefined;
  } catch {
    return undefined;
  }
}

function bindable(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

/** Listens on `port` of loopback and closes again; resolves with the port it got. */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: got } = server.address() as net.AddressInfo;
      server.close(() => resolve(got));
    });
  });
}
