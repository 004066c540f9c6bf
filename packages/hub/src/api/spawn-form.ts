// /hub/api/users/{name}/spawn-form: what the spawn form of one app offers this user — the apps,
// every field with its limits (per partition with Slurm), its default, and the value to show:
// the user's last choice for this app (or the settings of the server named by `server`) when it
// still fits, else the default (spawn/form.ts). The web form renders the same description; a
// start is checked against the very same fields.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { subjectOf, userAccess } from '../http/access.js';
import { errorResponses } from '../http/responses.js';
import { SpawnFormSchema, type SpawningService } from '../spawn/index.js';

export const spawnFormRoutes: FastifyPluginAsyncTypebox<{ spawning: SpawningService }> = async (
  app,
  { spawning },
) => {
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
              Type.String({
                maxLength: 40,
                description: 'Catalog id; default: the app of `server`, else the first app.',
              }),
            ),
            server: Type.Optional(
              Type.String({
                maxLength: 100,
                description:
                  'A server of the user (`""`: the default server): the form to start it again, with the ' +
                  'options of its last start wherever they still fit. A server that does not exist is ' +
                  'ignored (no `from_server` in the answer).',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: SpawnFormSchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    (request) => spawning.describeForm(subjectOf(request), request.query),
  );
};
