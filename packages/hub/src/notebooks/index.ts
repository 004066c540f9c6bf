export { NotebookCatalog, type Opened } from './catalog.js';
export { type Collection, loadCollections } from './collections.js';
export type { CopyCommand } from './copy.js';
export { CollectionSources } from './sources.js';
