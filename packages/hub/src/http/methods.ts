// Which methods each route path answers, so that a request whose path exists but whose method
// does not gets 405 with an Allow header (RFC 9110, 15.5.6), as JupyterHub answers, instead of
// the 404 of a missing resource. Routes are recorded as they are added (an onRoute hook), with
// Fastify's path syntax: `:name` is one segment, `:name(regex)` one that matches the regex,
// `*` the rest.
import type { FastifyInstance } from 'fastify';

interface Pattern {
  regex: RegExp;
  methods: Set<string>;
}

function compile(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+(?:\([^)]*\))?|\*)/)
    .map((part) => {
      if (part === '*') return '.*';
      const constrained = /^:[A-Za-z0-9_]+\((.*)\)$/.exec(part);
      if (constrained) return `(?:${(constrained[1] ?? '').replace(/^\^/, '').replace(/\$$/, '')})`;
      if (part.startsWith(':')) return '[^/]+';
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  // The app ignores trailing slashes.
  return new RegExp(`^${source.replace(/\/$/, '')}/?$`);
}

export interface RouteMethods {
  /** The methods routed for this path (without query), sorted; empty when the path is unknown. */
  allowed(path: string): string[];
}

export function trackRouteMethods(app: FastifyInstance): RouteMethods {
  const patterns = new Map<string, Pattern>();
  app.addHook('onRoute', (route) => {
    const pattern = patterns.get(route.url) ?? { regex: compile(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) pattern.methods.add(method);
    patterns.set(route.url, pattern);
  });
  return {
    allowed(path) {
      const found = new Set<string>();
      for (const { regex, methods } of patterns.values()) {
        if (regex.test(path)) for (const m of methods) found.add(m);
      }
      return [...found].sort();
    },
  };
}
