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
      '`sqlite::memory:` keeps everything in memory and is lost at exit (tests only). ' +
      'With PostgreSQL the hub holds at most 10 connections, keeps an idle one open for 5 minutes ' +
      '(opening one costs a server process and a SCRAM exchange while a request waits) and gives up ' +
      'on connecting after 10 s (the request is answered 503): allow 10 connections per hub in ' +
      "the server's `max_connections`. The password may be given in the environment variable `PGPASSWORD` instead of the URL.",
  }),
});
