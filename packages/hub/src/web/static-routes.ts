// Versioned static assets: the version in the URL is the content hash, so browsers may cache
// them for a year and still get a new file the moment it changes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HubError } from '../errors/index.js';
import { ASSETS } from './layout.js';

export const staticRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/hub/static/:version/:file',
    {
      config: { access: { kind: 'public' } },
      schema: { hide: true, params: Type.Object({ version: Type.String(), file: Type.String() }) },
    },
    async (request, reply) => {
      const asset = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined;
      if (!asset) throw new HubError('not_found');
      const immutable = asset.version === request.params.version;
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('etag', `"${asset.version}"`);
      if (request.headers['if-none-match'] === `"${asset.version}"`) return reply.code(304).send();
      return reply.type(asset.type).send(asset.body);
    },
  );
};
