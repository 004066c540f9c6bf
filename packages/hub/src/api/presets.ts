// /hub/api/users/{name}/presets: a user's saved start settings and the site's, to start from with
// `user_options` = a preset's `options`. The rules are presets/rules.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PresetSchema } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import { subjectOf, userAccess } from '../http/access.js';
import { callerOf } from '../http/principal.js';
import { errorResponses } from '../http/responses.js';
import { NewPresetBody, type Presets } from '../presets/rules.js';

const UserParams = Type.Object({ name: Type.String() });
const PresetParams = Type.Object({ name: Type.String(), preset: Type.String({ maxLength: 60 }) });

export const presetRoutes: FastifyPluginAsyncTypebox<{ presets: Presets }> = async (app, { presets }) => {
  app.get(
    '/users/:name/presets',
    {
      config: { access: userAccess('read') },
      schema: {
        summary: 'List the presets a user may start from: the site’s, then their own',
        tags: ['presets'],
        params: UserParams,
        response: { 200: Type.Array(Type.Ref(PresetSchema)), ...errorResponses(401, 404) },
      },
    },
    async (request) => presets.list(subjectOf(request)),
  );
  app.get(
    '/users/:name/presets/:preset',
    {
      config: { access: userAccess('read') },
      schema: {
        summary: 'Get one preset',
        tags: ['presets'],
        params: PresetParams,
        response: { 200: Type.Ref(PresetSchema), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => presets.find(subjectOf(request), request.params.preset),
  );
  app.post(
    '/users/:name/presets',
    {
      config: { access: userAccess('servers') },
      schema: {
        summary: 'Save start settings under a name (replacing the user’s preset of that name)',
        description: 'The options are checked against the user’s spawn form as a start would check them.',
        tags: ['presets'],
        params: UserParams,
        body: NewPresetBody,
        response: { 201: Type.Ref(PresetSchema), ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await presets.save(callerOf(request), subjectOf(request), request.body)),
  );
  app.delete(
    '/users/:name/presets/:preset',
    {
      config: { access: userAccess('servers') },
      schema: {
        summary: 'Delete one of the user’s presets (the site’s cannot be)',
        tags: ['presets'],
        params: PresetParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      await presets.remove(callerOf(request), subjectOf(request), request.params.preset);
      return reply.code(204).send(null);
    },
  );
};
