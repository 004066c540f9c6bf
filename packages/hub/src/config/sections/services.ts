// The `services` list: processes the hub starts, watches and restarts, each with an API token of
// the scopes it is given, as JupyterHub's managed services (jupyterhub-idle-culler, say).
import { Type } from '@sinclair/typebox';

const ServiceSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    command: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    environment: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String()),
    ),
    scopes: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    api_token: Type.Optional(Type.String({ minLength: 32 })),
  },
  { additionalProperties: false },
);

export const ServicesOption = Type.Array(ServiceSchema, {
  default: [],
  description:
    'Services the hub runs, as JupyterHub does: each entry has a `name`, a `command` (a list: the ' +
    'program and its arguments, run as the hub’s user, never through a shell), an optional ' +
    '`environment`, the `scopes` of its API token (hpchub’s or JupyterHub’s names) and optionally a ' +
    'fixed `api_token` (at least 32 characters) for a service that also runs elsewhere; without one ' +
    'the hub makes a new token at every start. The hub sets `JUPYTERHUB_API_TOKEN`, ' +
    '`JUPYTERHUB_API_URL`, `JUPYTERHUB_SERVICE_NAME` and `JUPYTERHUB_BASE_URL`, and restarts a ' +
    'service that exits, waiting longer each time (1 s doubling to 5 min).',
});
