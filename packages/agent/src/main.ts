// `hpchub-agent`: the process a job script execs (see AGENT_ENV for its environment). Reads its
// settings, runs the Agent, turns signals into a clean stop, and exits with the Agent's code:
// 0 after a signal or an app that exited 0, the app's code when it failed, 127 when its command
// is missing, 1 for another failed start, 2 when the settings are invalid, 3 when the hub answered
// that it does not know the server (it was deleted, or the hub's database lost it).
import { AGENT_ENV, AGENT_TUNING_ENV } from '@hpchub/protocol';
import { Agent } from './agent.js';
import { runCollectionSync } from './collection-sync.js';
import { HubClient } from './hub-client.js';
import { createLogger } from './log.js';
import { runNetnsBridge } from './netns-bridge.js';
import { runProbe } from './probe.js';
import { readSettings, SettingsError } from './settings.js';

declare const HPCHUB_AGENT_VERSION: string | undefined;
const VERSION = typeof HPCHUB_AGENT_VERSION === 'string' ? HPCHUB_AGENT_VERSION : 'dev';

const HELP = `hpchub-agent ${VERSION}: starts an app inside a job and fronts it with TLS for the hpchub proxy.

Started by the job script, configured by environment variables:
  ${AGENT_ENV.hubUrl}  the hub's agent API, e.g. http://hub:8000/hub/api/agent
  ${AGENT_ENV.hubFingerprint}  SHA-256 of the hub's certificate (optional, https only)
  ${AGENT_ENV.secret}  the server's secret
  ${AGENT_ENV.serverId}  the server's id
  ${AGENT_ENV.spec}  JSON launch spec (AgentLaunchSpec)
  ${AGENT_TUNING_ENV.bind}  listen address (default 0.0.0.0)
  ${AGENT_TUNING_ENV.port}  listen port (default 0: any free port)
  ${AGENT_TUNING_ENV.host}  host name sent to the hub (default: this host's name)
  ${AGENT_TUNING_ENV.heartbeatSeconds}  seconds between heartbeats (default 60)
Logs are JSON lines on stderr.

hpchub-agent --netns-bridge SOCKET PORT -- COMMAND…: runs an app in the network namespace the
agent made for it, reached through a 0600 unix socket (started by the agent itself).

hpchub-agent --probe: the test job of \`hpchub doctor\`: checks this Node.js, that the hub URL
answers as an hpchub hub, and this node's clock against the hub's; exits 0 when all is well.

hpchub-agent --sync-collection: copies a notebook collection into the user's home (the request
as JSON on stdin, the report on stdout); the hub runs it as the user.
`;

async function main(): Promise<number> {
  const arg = process.argv[2];
  if (arg === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (arg === '--help' || arg === '-h') {
    process.stdout.write(HELP);
    return 0;
  }
  const log = createLogger();
  if (arg === '--probe') return runProbe(process.env, log);
  if (arg === '--sync-collection') return runCollectionSync(process.stdin);
  if (arg === '--netns-bridge') return runNetnsBridge(process.argv.slice(3));
  const secret = process.env[AGENT_ENV.secret];
  if (secret) log.redact(secret);
  let agent: Agent;
  try {
    agent = new Agent(readSettings(process.env), log);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    log.error('invalid_settings', { message: err.message, problems: err.problems });
    // Tell the hub, when that much is valid, so the user sees why instead of waiting for a timeout.
    if (err.hub)
      await new HubClient(err.hub, log).send(
        'stopping',
        { reason: 'app_failed_to_start', message: err.message.slice(0, 4000) },
        { attempts: 3 },
      );
    return 2;
  }
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
    process.on(signal, () => agent.onSignal(signal));
  process.on('uncaughtException', (err) => void agent.fail(err));
  process.on('unhandledRejection', (err) => void agent.fail(err));
  return agent.run();
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'error', event: 'crashed', error: String(err) })}\n`,
    );
    process.exit(1);
  },
);
