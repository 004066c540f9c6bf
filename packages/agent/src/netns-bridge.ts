// `hpchub-agent --netns-bridge SOCKET PORT -- COMMAND…`: run inside a network namespace of the
// app's own (network: isolated, see app-launch.ts), where 127.0.0.1 belongs to this job alone.
// Brings loopback up, starts the app, and bridges a unix socket at SOCKET (mode 0600, in the
// job's private directory, which the agent outside reaches: sockets with a path are files, not
// network) to the app's 127.0.0.1:PORT. Another user's process on the node sees neither the port
// (another namespace) nor the socket (a directory only the job's user may enter). Exits with the
// app's exit code, once the app has exited: a signal to the process group reaches the app too.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';

/** Where `ip` is on the distributions we know, PATH first. */
const IP_COMMANDS = ['ip', '/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];

function loopbackUp(): string | null {
  let last = 'ip was not found';
  for (const ip of IP_COMMANDS) {
    const run = spawnSync(ip, ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') continue;
    if (run.status === 0) return null;
    last = `${ip} link set lo up failed: ${(run.stderr || run.error?.message || '').trim()}`;
  }
  return last;
}

function bridge(socketPath: string, port: number): Promise<net.Server> {
  const server = net.createServer((client) => {
    const app = net.connect({ host: '127.0.0.1', port });
    client.pipe(app).pipe(client);
    client.on('error', () => app.destroy());
    app.on('error', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // The socket is made 0600 from the start: no moment in which another account could connect.
    const umask = process.umask(0o177);
    server.listen(socketPath, () => {
      process.umask(umask);
      chmodSync(socketPath, 0o600);
      resolve(server);
    });
  });
}

export async function runNetnsBridge(args: string[]): Promise<number> {
  const [socketPath, portText, dashes, ...command] = args;
  const port = Number(portText);
  if (!socketPath || !Number.isInteger(port) || dashes !== '--' || command.length === 0) {
    process.stderr.write('usage: hpchub-agent --netns-bridge SOCKET PORT -- COMMAND...\n');
    return 2;
  }
  const problem = loopbackUp();
  if (problem) {
    process.stderr.write(`hpchub-agent: the app's network namespace has no loopback: ${problem}\n`);
    return 1;
  }
  const server = await bridge(socketPath, port);
  // The app gets the signals of the process group; this process waits for it to exit.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});
  const app = spawn(command[0] as string, command.slice(1), { stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => {
    app.once('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`hpchub-agent: cannot run ${command[0]}: ${err.code ?? err.message}\n`);
      resolve(err.code === 'ENOENT' ? 127 : 126);
    });
    app.once('exit', (exitCode, signal) => resolve(exitCode ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  });
  server.close();
  rmSync(socketPath, { force: true });
  return code;
}
