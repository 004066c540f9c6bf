// The modules the nodes offer, as the hub last listed them: listed once at start, then again
// every `modules.refresh_seconds` in the background, the last good list serving meanwhile (a
// failed listing is logged and keeps the previous one). Spawn forms suggest its names, and
// the check of a user's list accepts only names it knows (names.ts) when the site wants that.
import type { ModuleSystem } from '@hpchub/protocol';
import type { Logger } from 'pino';
import type { HubConfig } from '../config/index.js';
import { type ListedModules, listModules, ModuleListError } from './list.js';

export interface CatalogueState extends ListedModules {
  /** When this list was made (ISO 8601). */
  listedAt: string;
}

/** How the catalogue waits between listings; tests pass one they drive themselves. */
export interface Scheduler {
  after(ms: number, run: () => void): { cancel(): void };
}

export const realScheduler: Scheduler = {
  after(ms, run) {
    const timer = setTimeout(run, ms);
    // A pending refresh never keeps the hub (or a test) alive.
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

export interface CatalogueOptions {
  system: ModuleSystem;
  refreshMs: number;
  timeoutMs: number;
  log: Pick<Logger, 'info' | 'warn'>;
  /** How the modules are listed (default: asking the module system, list.ts). */
  list?: (system: ModuleSystem, timeoutMs: number) => Promise<ListedModules>;
  scheduler?: Scheduler;
}

/** The module system of the nodes as `config.modules` describes it. */
export function moduleSystemOf(config: Pick<HubConfig, 'modules'>): ModuleSystem {
  const { init_file, use, init_when } = config.modules;
  return {
    init: init_file === '' ? [] : [init_file],
    use: [...use],
    ...(init_when === 'always' ? { initAlways: true } : {}),
  };
}

export class ModuleCatalogue {
  private state: CatalogueState | undefined;
  private timer: { cancel(): void } | undefined;
  private running: Promise<CatalogueState | undefined> | undefined;
  private closed = false;

  constructor(private readonly options: CatalogueOptions) {}

  /** The module system jobs use: the same init file and trees as the listing. */
  get system(): ModuleSystem {
    return this.options.system;
  }

  /** The last good list, or undefined while none could be made. */
  current(): CatalogueState | undefined {
    return this.state;
  }

  /** Lists now, then every refresh interval until close(). */
  start(): Promise<CatalogueState | undefined> {
    this.closed = false;
    return this.refresh();
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Lists the modules again (one listing at a time: a second call shares the running one). */
  refresh(): Promise<CatalogueState | undefined> {
    this.running ??= this.listOnce().finally(() => {
      this.running = undefined;
      this.schedule();
    });
    return this.running;
  }

  private async listOnce(): Promise<CatalogueState | undefined> {
    const { system, timeoutMs, log } = this.options;
    try {
      const listed = await (this.options.list ?? listModules)(system, timeoutMs);
      this.state = { ...listed, listedAt: new Date().toISOString() };
      log.info(
        {
          modules: listed.names.length,
          system: listed.system,
          command: listed.command,
          skipped: listed.skipped,
        },
        'modules listed',
      );
    } catch (err) {
      // A machine without modules (a laptop's `npm start`) is no problem worth a warning.
      if (err instanceof ModuleListError && err.absent && !this.state) {
        log.info({ err: err.message }, 'no module system here; module names are checked by pattern only');
        return this.state;
      }
      log.warn(
        { err: (err as Error).message, kept: this.state?.names.length ?? 0 },
        'listing the modules failed; keeping the last list',
      );
    }
    return this.state;
  }

  private schedule(): void {
    this.timer?.cancel();
    if (this.closed) return;
    this.timer = (this.options.scheduler ?? realScheduler).after(this.options.refreshMs, () => {
      void this.refresh();
    });
  }
}
