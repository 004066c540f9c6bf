// Start admission: which start gets one of the hub's start slots (spawner.concurrent_spawns) and
// when. A start the hub accepts takes a ticket; it joins the line (start-line.ts) once its row is
// written, and leaves it for a slot (start-slots.ts) as soon as one is free and its turn has
// come. Past the line's bound (spawner.start_line_max) a start is refused with 429 and a
// Retry-After from the pace at which slots come free. Starts in line hear their place on the
// progress stream: a start joining at once, those moving up within ANNOUNCE_MS (a line of a
// thousand draining twenty at a time would otherwise be told a thousand places at every step).
//
// The spawning service owns the database and the launch; this keeps the order and the count.
import type { Logger } from 'pino';
import type { ServerRow } from '../db/schema.js';
import { HubError } from '../errors/index.js';
import type { ProgressBus } from './progress.js';
import { type LineEntry, placeMessage, StartLine } from './start-line.js';
import { StartSlots } from './start-slots.js';

/** What the pages and the API read of the line. */
export interface LineReader {
  /** 1 for the next start to get a slot; null for a server not waiting in line. */
  placeOf(serverId: number): number | null;
}

export interface AdmissionDeps {
  /** spawner.concurrent_spawns and spawner.start_line_max, read when needed. */
  limits(): { slots: number; line: number };
  bus: ProgressBus;
  log: Pick<Logger, 'info'>;
  /** Launches a start whose turn has come (it holds a slot); resolves to its row once launched. */
  launch(entry: LineEntry): Promise<ServerRow | undefined>;
}

/** How soon starts in line hear that they moved: soon for a person watching, in one round for many moves. */
export const ANNOUNCE_MS = 250;

export class StartAdmission implements LineReader {
  readonly #deps: AdmissionDeps;
  readonly #line = new StartLine();
  readonly #slots: StartSlots;
  /** Tickets of accepted starts whose rows are being written: none behind them may pass. */
  readonly #joining = new Set<number>();
  #nextTicket = 1;
  /** Launches under way: a start admitted as soon as it joined waits for its own. */
  readonly #launches = new Map<number, Promise<ServerRow | undefined>>();
  /** The round of announcements to come, when places changed since the last one. */
  #announcing: NodeJS.Timeout | undefined;
  /** While paused, no start leaves the line (see pause()). */
  #paused = false;

  constructor(deps: AdmissionDeps, slots = new StartSlots()) {
    this.#deps = deps;
    this.#slots = slots;
  }

  get waiting(): number {
    return this.#line.length;
  }

  get slotsInUse(): number {
    return this.#slots.inUse;
  }

  placeOf(serverId: number): number | null {
    return this.#line.placeOf(serverId);
  }

  /**
   * A ticket for a start about to be written, in the order requests are accepted, or a 429
   * (start_line_full) when the start would have to wait and the line is at its bound. Every
   * ticket is followed by joined() or dropped().
   */
  ticket(): number {
    const limits = this.#deps.limits();
    const ahead = this.#line.length + this.#joining.size;
    const place = ahead + 1 - Math.max(0, limits.slots - this.#slots.inUse);
    if (place > limits.line) {
      const seconds = this.#slots.retryAfterSeconds(place - limits.line);
      throw new HubError(
        'start_line_full',
        limits.line === 0
          ? `Too many servers are starting right now; try again in ${seconds} s.`
          : `${this.#line.length} servers are already waiting to start, as many as this hub lets wait; try again in ${seconds} s.`,
        { headers: { 'retry-after': String(seconds) } },
      );
    }
    const ticket = this.#nextTicket++;
    this.#joining.add(ticket);
    return ticket;
  }

  /** The row of a ticket could not be written: the ticket lapses. */
  dropped(ticket: number): void {
    this.#joining.delete(ticket);
    this.pump();
  }

  /**
   * The row of a ticket is written: the start joins the line and, when a slot is free and its turn
   * has come, is launched at once; then the launch is returned, else undefined (it waits).
   */
  joined(entry: LineEntry): Promise<ServerRow | undefined> | undefined {
    this.#joining.delete(entry.ticket);
    this.#line.join(entry);
    this.pump();
    const position = this.#line.tell(entry.serverId);
    if (position !== null) this.#tell(entry.serverId, position);
    this.#announce();
    return this.#launches.get(entry.serverId);
  }

  /** Lines up again the starts a restarted hub found waiting, in ticket order, before any new one. */
  restore(entries: LineEntry[]): void {
    for (const entry of entries) {
      this.#nextTicket = Math.max(this.#nextTicket, entry.ticket + 1);
      this.#line.join(entry);
    }
    this.#announceNow();
  }

  /** A start leaves the line without a slot (cancelled, stopped, its user gone); those behind move up. */
  leave(serverId: number): boolean {
    if (!this.#line.leave(serverId)) return false;
    this.#announce();
    return true;
  }

  /** The server holds a slot: launching, or its job runs and the agent is to report in. */
  take(serverId: number): void {
    this.#slots.take(serverId);
  }

  /** The server gives its slot back (launched into a scheduler's queue, ready, failed, stopped). */
  release(serverId: number): void {
    if (this.#slots.release(serverId)) this.pump();
  }

  /**
   * No start leaves the line until resume(): a restarted hub's starts wait until its first poll
   * has seen which re-adopted jobs run (those take their slots again first), and a closing
   * hub's wait for good.
   */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.pump();
  }

  /** Gives free slots to the starts at the head of the line, in order. */
  pump(): void {
    if (this.#paused) return;
    const { slots } = this.#deps.limits();
    const firstJoining = Math.min(...this.#joining);
    let moved = false;
    while (this.#slots.inUse < slots) {
      const head = this.#line.head();
      // A start accepted earlier whose row is still being written goes first.
      if (!head || head.ticket > firstJoining) break;
      const waited = this.#line.told(head.serverId);
      this.#line.leave(head.serverId);
      moved = true;
      this.#slots.take(head.serverId);
      if (waited) {
        this.#deps.bus.step(head.serverId, 'admitted', 'A start slot is free: launching your server.', {
          line: { position: 0 },
        });
        this.#deps.log.info({ server_id: head.serverId, ticket: head.ticket }, 'a start left the line');
      }
      const id = head.serverId;
      const launch = this.#deps.launch(head);
      this.#launches.set(id, launch);
      // The launch records its own failure; whoever waits for it hears of it too.
      const done = () => this.#launches.delete(id);
      launch.then(done, done);
    }
    if (moved) this.#announce();
  }

  /** Tells every start in line whose place changed where it stands now, within ANNOUNCE_MS. */
  #announce(): void {
    if (this.#announcing) return;
    this.#announcing = setTimeout(() => {
      this.#announcing = undefined;
      this.#announceNow();
    }, ANNOUNCE_MS);
    this.#announcing.unref();
  }

  #announceNow(): void {
    for (const { serverId, position } of this.#line.moved()) this.#tell(serverId, position);
  }

  #tell(serverId: number, position: number): void {
    this.#deps.bus.step(serverId, 'line', placeMessage(position), { line: { position } });
  }
}
