// The `notebooks` section: the site's notebook collections, copied into users' homes as the users.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const NotebooksSection = section(
  'Notebook collections: standard notebooks (workflows, workshop material) that users open with one click.',
  {
    file: Type.String({
      default: '',
      description:
        'A YAML file of collections (see docs/notebooks.md): `id`, `title`, `description`, `tags`, `icon`, ' +
        '`source` (`dir:` a directory users can read, or `git:` a repository the hub clones, with `ref`), ' +
        '`open` (the notebook to open first), `app` and `options` (the resources it needs). Empty: no catalog.',
    }),
    target_dir: Type.String({
      default: 'notebooks',
      pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$',
      errorMessage: 'a folder name of letters, digits and _ . -',
      description: 'The folder in each user’s home that collections are copied into (`~/notebooks/ID`).',
    }),
    cache_dir: Type.String({
      default: '',
      description:
        'Where the hub keeps its clones of `git:` collections; users must be able to read it (the copy runs ' +
        'as them). Empty: `<data_dir>/collections` (the data directory is then made traversable, 0711).',
    }),
    max_file_mb: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 100,
      description: 'Files of a collection larger than this are not copied (the user is told).',
    }),
    max_files: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 10_000,
      description: 'A collection with more files than this is not copied at all.',
    }),
  },
);
