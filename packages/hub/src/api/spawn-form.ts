// /hub/api/users/{name}/spawn-form: what the spawn form of one app offers this user — the apps,
// every field with its limits (per partition with Slurm), its default, and the value to show:
// the user's last choice for this app when it still fits, else the default. The web form
// renders this; the start request is then checked against the very same fields.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppField } from '../apps/definition.js';
import { type OptionValues, validateOptions } from '../apps/fields.js';
import type { HubContext } from '../context.js';
import { HubError, notFound } from '../errors/index.js';
import { userAccess } from '../http/access.js';
import { rememberedChoices } from '../spawn/choices.js';
import type { Spawning } from '../spawn/index.js';
import { findUser } from '../users/store.js';
import { errorResponses } from './responses.js';

const Value = Type.Union([Type.String(), Type.Integer(), Type.Boolean()]);

const FormField = Type.Object(
  {
    name: Type.String({ description: 'Key in `user_options`.' }),
    type: Type.Union([
      Type.Literal('choice'),
      Type.Literal('integer'),
      Type.Literal('boolean'),
      Type.Literal('home_path'),
    ]),
    label: Type.String(),
    help: Type.Optional(Type.String()),
    choices: Type.Optional(Type.Array(Type.String())),
    minimum: Type.Optional(Type.Integer()),
    maximum: Type.Optional(Type.Integer({ description: 'The most any choice of the other fields allows.' })),
    limits_by: Type.Optional(
      Type.Object({
        field: Type.String(),
        maximum: Type.Record(Type.String(), Type.Integer(), {
          description: 'The maximum for each value of `field` (e.g. the cores of each partition).',
        }),
      }),
    ),
    picker: Type.Optional(
      Type.Boolean({ description: 'Chosen in the directory picker when the server starts.' }),
    ),
    default: Value,
    value: Type.Union([Type.String(), Type.Integer(), Type.Boolean()], {
      description:
        'What the form shows: the user’s last choice for this app if it still fits, else the default.',
    }),
    fixed: Type.Boolean({ description: 'A choice with a single option: show it, nothing to choose.' }),
  },
  { additionalProperties: false },
);

const SpawnForm = Type.Object(
  {
    app: Type.String({ description: 'The app this form is for.' }),
    apps: Type.Array(
      Type.Object({
        id: Type.String(),
        title: Type.String(),
        description: Type.String(),
        icon: Type.String(),
      }),
    ),
    fields: Type.Array(FormField),
    remembered: Type.Boolean({ description: 'Whether values come from the user’s last start of this app.' }),
  },
  { $id: 'SpawnForm', additionalProperties: false },
);

/** The stored form of a home path (`a/b`, `.`) as a user would type it. */
const typedPath = (path: string) => (path === '.' ? '~' : `~/${path}`);

/**
 * The remembered choices that still pass validation, with defaults for the rest: invalid ones
 * (a partition gone, a limit lowered) are dropped one round at a time until all fit.
 */
function currentValues(fields: AppField[], remembered: OptionValues): OptionValues {
  const known = new Set(fields.map((f) => f.name));
  const candidate: OptionValues = Object.fromEntries(
    Object.entries(remembered).filter(([k]) => known.has(k)),
  );
  for (let round = 0; round <= fields.length; round++) {
    try {
      return validateOptions(fields, candidate);
    } catch (err) {
      const bad = err instanceof HubError ? (err.validations ?? []).map((v) => v.field) : [];
      if (!bad.some((f) => f in candidate)) break;
      for (const f of bad) delete candidate[f];
    }
  }
  return validateOptions(fields, {});
}

export const spawnFormRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext; spawning: Spawning }> = async (
  app,
  { hub, spawning },
) => {
  const { catalog, orchestrator } = spawning;

  app.get(
    '/users/:name/spawn-form',
    {
      config: { access: userAccess('servers') },
      schema: {
        summary:
          'The spawn form of an app for the user: fields, limits per partition, defaults, last choices',
        tags: ['servers'],
        params: Type.Object({ name: Type.String() }),
        querystring: Type.Object(
          {
            app: Type.Optional(
              Type.String({ maxLength: 40, description: 'Catalog id; default: the first app.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: SpawnForm, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const user = await findUser(hub.db, request.params.name);
      if (!user) throw notFound();
      const chosen = catalog.get(request.query.app ?? catalog.apps[0]?.id ?? '');
      if (!chosen) {
        throw new HubError('validation_failed', undefined, {
          validations: [
            { field: 'app', message: `Choose one of: ${catalog.apps.map((a) => a.id).join(', ')}.` },
          ],
        });
      }
      const fields = catalog.fields(chosen, (await orchestrator.deps.spawnerFields?.(user, chosen.id)) ?? []);
      const remembered = await rememberedChoices(hub.db, user.id, chosen.id);
      const values = currentValues(fields, remembered);
      return {
        app: chosen.id,
        apps: catalog.apps.map(({ id, title, description, icon }) => ({ id, title, description, icon })),
        fields: fields.map((field) => {
          const value = values[field.name] ?? field.default;
          return {
            ...field,
            value: field.type === 'home_path' && typeof value === 'string' ? typedPath(value) : value,
            fixed: field.type === 'choice' && field.choices.length === 1,
          };
        }),
        remembered: Object.keys(remembered).length > 0,
      };
    },
  );
};
