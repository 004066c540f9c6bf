// Response serializers compiled when a route first answers, not when the hub starts. Fastify
// compiles every route's response schemas (fast-json-stringify) before it listens: the largest
// part of a hub's start, about half a second (found by bench:scale: a hub restarted under 2,000
// running servers serves none of them meanwhile). Each route pays for its own once, at its first
// answer of each status. (Validators stay compiled at start: Fastify hands Ajv's own more.)
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

/** Fastify's own response serializers (fast-json-stringify), each compiled at its first use. */
export function lazySerializers(): ReturnType<typeof SerializerSelector> {
  const eager = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = eager(externalSchemas, options);
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc) => {
        serialize ??= compile(route);
        return serialize(doc);
      };
    };
  };
}
