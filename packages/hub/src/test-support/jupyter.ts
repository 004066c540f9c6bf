// Talks to a real Jupyter server the way JupyterLab does, through the hub's proxy: start a
// kernel over REST, then run code over the kernel's WebSocket (Jupyter messaging protocol 5.3).
import { randomUUID } from 'node:crypto';
import type { ServerModel } from '@hpchub/protocol';
import WebSocket from 'ws';
import type { HubConfig } from '../config/index.js';
import type { ProgressEvent } from '../spawn/progress.js';
import { readEvents, type TestHub } from './hub.js';

/** Where provisioning installs JupyterLab (scripts/provision/apps.sh), readable by the test users. */
export const TEST_VENV_BIN = '/opt/hpchub-test/venv/bin';

/**
 * A hub whose servers are real JupyterLab run by the local spawner as system users (PAM
 * accounts), polled every second, given two minutes to start.
 */
export function localJupyterHub(c: HubConfig): void {
  c.auth.authenticator = 'pam';
  c.spawner.poll_interval_seconds = 1;
  c.spawner.path_prepend = [TEST_VENV_BIN];
  c.spawner.start_timeout_seconds = 120;
}

/** Starts a server of `user` through the API and waits until its progress stream says ready. */
export async function startReady(
  hub: TestHub,
  token: string,
  user: string,
  server: string,
  app = 'jupyterlab',
): Promise<void> {
  const path = server === '' ? `/users/${user}/server` : `/users/${user}/servers/${server}`;
  const started = await hub.api<ServerModel>('POST', path, { token, body: { user_options: { app } } });
  if (started.status !== 202) throw new Error(`starting ${path} answered ${started.status}: ${started.text}`);
  const events = await readEvents<ProgressEvent>(
    `${hub.url}${started.body.progress_url}`,
    { authorization: `token ${token}` },
    { timeoutMs: 150_000 },
  );
  if (events.at(-1)?.ready !== true) throw new Error(`${path} did not start: ${JSON.stringify(events)}`);
}

export interface JupyterClient {
  /** `http://127.0.0.1:PORT/user/alice/` (with the trailing slash). */
  base: string;
  headers: Record<string, string>;
}

/** Starts a kernel of the named kernelspec (default: the server's Python). */
export async function startKernel(client: JupyterClient, name = 'python3'): Promise<string> {
  const res = await fetch(`${client.base}api/kernels`, {
    method: 'POST',
    headers: { ...client.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (res.status !== 201) throw new Error(`starting a kernel answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** The kernelspecs the server offers (`GET api/kernelspecs`), by name, with their argv. */
export async function kernelSpecs(
  client: JupyterClient,
): Promise<Record<string, { argv: string[]; language: string }>> {
  const res = await fetch(`${client.base}api/kernelspecs`, { headers: client.headers });
  if (res.status !== 200) throw new Error(`api/kernelspecs answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as {
    kernelspecs: Record<string, { spec: { argv: string[]; language: string } }>;
  };
  return Object.fromEntries(Object.entries(body.kernelspecs).map(([name, k]) => [name, k.spec]));
}

/** Executes code in the kernel and resolves with the text/plain result (or the stream and display output). */
export async function execute(
  client: JupyterClient,
  kernelId: string,
  code: string,
  timeoutMs = 60_000,
): Promise<string> {
  const url = `${client.base.replace(/^http/, 'ws')}api/kernels/${kernelId}/channels?session_id=${randomUUID()}`;
  const ws = new WebSocket(url, { headers: client.headers });
  const msgId = randomUUID();
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no result for ${JSON.stringify(code)} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      let output = '';
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(new Error(`the kernel WebSocket was refused with ${res.statusCode}`));
      });
      ws.once('open', () => {
        ws.send(
          JSON.stringify({
            header: {
              msg_id: msgId,
              username: 'test',
              session: randomUUID(),
              msg_type: 'execute_request',
              version: '5.3',
              date: new Date().toISOString(),
            },
            parent_header: {},
            metadata: {},
            content: {
              code,
              silent: false,
              store_history: true,
              user_expressions: {},
              allow_stdin: false,
              stop_on_error: true,
            },
            channel: 'shell',
            buffers: [],
          }),
        );
      });
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as {
          msg_type: string;
          parent_header: { msg_id?: string };
          content: {
            data?: Record<string, string>;
            text?: string;
            execution_state?: string;
            ename?: string;
            evalue?: string;
          };
        };
        if (msg.parent_header.msg_id !== msgId) return;
        if (msg.msg_type === 'execute_result') output = msg.content.data?.['text/plain'] ?? '';
        // IRkernel shows values as display data rather than as an execute result.
        if (msg.msg_type === 'display_data') output += msg.content.data?.['text/plain'] ?? '';
        if (msg.msg_type === 'stream') output += msg.content.text ?? '';
        if (msg.msg_type === 'error') {
          clearTimeout(timer);
          reject(new Error(`${msg.content.ename}: ${msg.content.evalue}`));
        }
        if (msg.msg_type === 'status' && msg.content.execution_state === 'idle') {
          clearTimeout(timer);
          resolve(output.trim());
        }
      });
    });
  } finally {
    ws.close();
  }
}

/**
 * As `user` (with a fresh API token), through the hub's proxy: starts a kernel on the user's
 * default server and checks that it computes `1+1` and runs as that user. Returns the client
 * and kernel for further code.
 */
export async function kernelRunsAs(
  hub: { url: string; tokenFor(name: string): Promise<string> },
  user: string,
): Promise<{ client: JupyterClient; kernel: string }> {
  const token = await hub.tokenFor(user);
  const client: JupyterClient = {
    base: `${hub.url}/user/${user}/`,
    headers: { authorization: `token ${token}` },
  };
  const kernel = await startKernel(client);
  const two = await execute(client, kernel, '1+1');
  if (two !== '2') throw new Error(`1+1 gave ${two}`);
  const who = await execute(client, kernel, 'import getpass; getpass.getuser()');
  if (who !== `'${user}'`) throw new Error(`the kernel runs as ${who}, not ${user}`);
  return { client, kernel };
}
