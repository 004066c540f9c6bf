// The notebook catalog: the site's collections, and opening one for a user — its files copied
// (or merged) into `~/<notebooks.target_dir>/<id>` as the user, and where to open it: the path of
// its first notebook inside the server, and the values the spawn form starts with.
import type { CollectionSyncReport } from '@hpchub/protocol';
import type { HubConfig } from '../config/index.js';
import type { UserRow } from '../db/schema.js';
import { HubError, notFound } from '../errors/index.js';
import type { SpawnAccount } from '../spawn/index.js';
import { type Collection, searchCollections } from './collections.js';
import { type CopyCommand, copyAsUser } from './copy.js';
import type { CollectionSources } from './sources.js';

export interface NotebookCatalogDeps {
  config: HubConfig;
  collections: readonly Collection[];
  sources: CollectionSources;
  accountOf(user: UserRow): Promise<SpawnAccount>;
  /** How to run the copy as a user (the agent, installed for jobs, and the user prefix). */
  command(): CopyCommand;
}

export interface Opened {
  collection: Collection;
  /** `notebooks/unet`: the copy, relative to the home. */
  folder: string;
  report: CollectionSyncReport;
}

export class NotebookCatalog {
  constructor(private readonly deps: NotebookCatalogDeps) {}

  get all(): readonly Collection[] {
    return this.deps.collections;
  }

  search(query: string, tag: string | undefined): Collection[] {
    return searchCollections(this.deps.collections, query, tag);
  }

  /** Every tag, sorted, for the filter. */
  tags(): string[] {
    return [...new Set(this.deps.collections.flatMap((c) => c.tags ?? []))].sort();
  }

  get(id: string): Collection {
    const found = this.deps.collections.find((c) => c.id === id);
    if (!found) throw notFound();
    return found;
  }

  /** Where the copy lives, relative to the home. */
  folder(collection: Collection): string {
    return `${this.deps.config.notebooks.target_dir}/${collection.id}`;
  }

  /** The JupyterLab path (below the server's URL) that opens the collection's first notebook or its folder. */
  labPath(collection: Collection): string {
    const parts = [
      ...this.folder(collection).split('/'),
      ...(collection.open ? collection.open.split('/') : []),
    ];
    return `lab/tree/${parts.map(encodeURIComponent).join('/')}`;
  }

  /** The spawn form's values for the collection: its app and resources. */
  formValues(collection: Collection): Record<string, string | number | boolean> {
    return { app: collection.app, ...collection.options };
  }

  /** Copies (or merges) the collection into the user's home, as the user. */
  async copy(user: UserRow, collection: Collection): Promise<Opened> {
    const account = await this.deps.accountOf(user);
    if (!account.system)
      throw new HubError(
        'account_unusable',
        'Notebook collections are copied into your home on the cluster, and this account has none.',
      );
    const { config } = this.deps;
    const source = await this.deps.sources.directory(collection);
    const report = await copyAsUser(
      this.deps.command(),
      { name: account.name, home: account.system.home },
      {
        source,
        home: account.system.home,
        target: [config.notebooks.target_dir, collection.id],
        maxFileBytes: config.notebooks.max_file_mb * 1024 * 1024,
        maxFiles: config.notebooks.max_files,
      },
    );
    return { collection, folder: this.folder(collection), report };
  }
}
