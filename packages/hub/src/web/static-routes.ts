// Versioned static assets: the version in the URL is the content hash, so browsers may cache
// them for a year and still get a new file the moment it changes. The site's generated
// stylesheet and logo are served the same way.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HubError } from '../errors/index.js';
import { ASSETS, type Asset } from '../ui/assets.js';
import type { Site } from '../ui/site.js';

export const staticRoutes: FastifyPluginAsyncTypebox<{ site: Site }> = async (app, { site }) => {
  // Looked up by name only: a path that is not a known asset is a 404, never a file read.
  const find = (name: string): Asset | undefined =>
    Object.hasOwn(site.assets, name)
      ? site.assets[name]
      : Object.hasOwn(ASSETS, name)
        ? ASSETS[name]
        : undefined;

  app.get(
    '/hub/static/:version/*',
    {
      config: { access: { kind: 'public' } },
      schema: { hide: true, params: Type.Object({ version: Type.String(), '*': Type.String() }) },
    },
    async (request, reply) => {
      const asset = find(request.params['*']);
      if (!asset) throw new HubError('not_found');
      const immutable = asset.version === request.params.version;
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('etag', `"${asset.version}"`);
      if (request.headers['if-none-match'] === `"${asset.version}"`) return reply.code(304).send();
      return reply.type(asset.type).send(asset.body);
    },
  );
};
