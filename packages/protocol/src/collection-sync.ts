// What the hub asks of `hpchub-agent --sync-collection` (run as the user, the request on stdin)
// and what it answers on stdout: copying a notebook collection into the user's home and merging
// later changes without overwriting the user's (see the agent's collection-sync.ts).

export interface CollectionSyncRequest {
  /** The collection's files: a directory the user can read. */
  source: string;
  /** The user's home directory (trusted: from the account database). */
  home: string;
  /** Path of the target below the home, one name per element (`['notebooks', 'unet']`). */
  target: string[];
  /** Files larger than this are not copied. */
  maxFileBytes: number;
  /** A collection with more files than this is refused. */
  maxFiles: number;
}

export interface CollectionSyncReport {
  /** Files new in the collection, copied. */
  added: string[];
  /** Files the collection changed that the user had not: updated. */
  updated: string[];
  /** Files the user had deleted: copied again (as nbgitpuller does). */
  restored: string[];
  /** Files both the user and the collection changed: the user's version kept. */
  kept: string[];
  /** The user's own files in the way of a new file of the collection: renamed, then the new one copied. */
  renamed: { from: string; to: string }[];
  /** Files the collection dropped that the user had not changed: removed. */
  removed: string[];
  /** What was not copied, and why (a symbolic link, a file too large, a folder in the way). */
  skipped: { path: string; reason: string }[];
}

/** The name of the record of what was copied, in the target directory. */
export const COLLECTION_MANIFEST = '.hpchub-collection.json';
