// The agents' way to the hub in fault tests: a TCP relay on loopback in front of the hub's port
// (spawner.hub_url names it; the agents' TLS passes through untouched, pinned to the hub's own
// certificate). cut() makes the hub unreachable for agents only: open connections are reset and
// new ones refused, while users still reach the hub and the hub still reaches the agents.
// mend() lets agents through again. Counts the connections it relayed, so that a test can see
// agents come back.
import { connect, createServer, type Server, type Socket } from 'node:net';

export class AgentLink {
  /** Connections relayed to the hub since the link was opened. */
  relayed = 0;
  private server: Server | undefined;
  private readonly open = new Set<Socket>();

  private constructor(
    private readonly hubPort: number,
    /** The port agents connect to. */
    readonly port: number,
  ) {}

  /** A link to the hub that will listen on 127.0.0.1:`hubPort`. */
  static async open(hubPort: number): Promise<AgentLink> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const link = new AgentLink(hubPort, port);
    await link.mend();
    return link;
  }

  /** What spawner.hub_url is set to (agents speak TLS to it: see config/hub-url.ts). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Agents can no longer reach the hub: connections reset, the port closed. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** Agents reach the hub again. */
  async mend(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      this.relayed++;
      const hub = connect(this.hubPort, '127.0.0.1');
      for (const [a, b] of [
        [client, hub],
        [hub, client],
      ] as const) {
        this.open.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.open.delete(a);
          b.destroy();
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  close(): Promise<void> {
    return this.cut();
  }
}
