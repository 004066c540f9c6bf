// A real app (JupyterLab, code-server) behind a real agent reporting to a fake hub, for the
// agent's tests with the software users run: a fresh home directory, heartbeats every half
// second, and the agent's TLS port once the app answers. Fails saying how to install the app.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AGENT_TUNING_ENV, type AgentLaunchSpec } from '@hpchub/protocol';
import { type AgentRun, Sandbox, startAgent } from './agent-process.js';

export interface RealApp {
  run: AgentRun;
  /** The agent's TLS port. */
  port: number;
  home: string;
  stop(): Promise<void>;
}

/** Starts the agent with the spec `makeSpec` gives for the sandbox's test app path and a fresh home. */
export async function startRealApp(opts: {
  /** The app's executable, which provisioning installs. */
  program: string;
  title: string;
  /** PATH for the app. */
  path: string;
  makeSpec(sandbox: Sandbox, home: string): AgentLaunchSpec;
}): Promise<RealApp> {
  assert.ok(
    existsSync(opts.program),
    `${opts.title} is not installed at ${opts.program}: run \`bash scripts/provision/apps.sh\` (as root) first`,
  );
  const sandbox = new Sandbox();
  const home = mkdtempSync(path.join(os.tmpdir(), 'hpchub-app-home-'));
  let run: AgentRun | undefined;
  const stop = async () => {
    await run?.stop();
    sandbox.cleanup();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    run = await startAgent(sandbox, {
      spec: opts.makeSpec(sandbox, home),
      env: { HOME: home, PATH: opts.path, [AGENT_TUNING_ENV.heartbeatSeconds]: '0.5' },
    });
    const started = run;
    const ready = await Promise.race([
      started.hub.waitFor('ready'),
      started.hub
        .waitFor('stopping')
        .then((m) => assert.fail(`${opts.title} did not start: ${m.body.message}`)),
    ]);
    return { run: started, port: ready.body.port, home, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
