// The `db` section: which database holds users, tokens and servers.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const DbSection = section('The database holding users, tokens and servers.', {
  url: Type.String({
    default: '',
    pattern: '^(|sqlite::memory:|sqlite:/.+|postgres(ql)?://.+)$',
    errorMessage:
      'empty, sqlite:/absolute/path.sqlite, sqlite::memory:, or a postgres:// or postgresql:// URL',
    description:
      'Database URL. Empty means the SQLite file `<data_dir>/hpchub.sqlite`. ' +
      '`sqlite::memory:` keeps everything in memory and is lost at exit (tests only).',
  }),
});
