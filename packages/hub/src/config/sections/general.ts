// The options outside any section: where the hub listens, which reverse proxies it believes,
// and where it keeps its state.
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
  trusted_proxies: Type.Array(
    Type.String({
      pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$',
      errorMessage: 'an IP address or a CIDR range, e.g. `127.0.0.1` or `10.0.0.0/8`',
    }),
    {
      default: [],
      description:
        'Addresses (or CIDR ranges) of the reverse proxies in front of the hub, e.g. `127.0.0.1` for ' +
        'nginx on the same machine. Requests from them are taken as coming from the client and ' +
        'scheme their X-Forwarded-For and X-Forwarded-Proto name, so Secure cookies, login rate ' +
        'limits per address and the logs see the browser, not the proxy. Empty: these headers are ' +
        'ignored (anyone could send them).',
    },
  ),
  data_dir: Type.String({
    minLength: 1,
    default: './hpchub-data',
    description:
      'Directory for the hub’s state: the SQLite database, the cookie secret and per-user working ' +
      'directories. A relative path is resolved against the current directory at start.',
  }),
};
