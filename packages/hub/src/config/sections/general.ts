// The options outside any section: where the hub listens and where it keeps its state.
import { Type } from '@sinclair/typebox';

export const GeneralOptions = {
  ip: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description: 'Address the hub listens on. Use 0.0.0.0 (or ::) to listen on every interface.',
  }),
  port: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 8000,
    description: 'TCP port the hub listens on; 0 picks a free port (the hub logs which).',
  }),
  data_dir: Type.String({
    minLength: 1,
    default: './hpchub-data',
    description:
      'Directory for the hub’s state: the SQLite database, the cookie secret and per-user working ' +
      'directories. A relative path is resolved against the current directory at start.',
  }),
};
