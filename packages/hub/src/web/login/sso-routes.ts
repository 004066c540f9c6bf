// Single sign-on through OpenID Connect: /hub/oidc/login sends the browser to the provider with a
// fresh state, nonce and PKCE verifier, which wait in a short-lived signed cookie; /hub/oidc/callback
// has openid-client check the provider's answer against them, maps the claims to a hub user, and
// admits that user through the same login pipeline as a password (lists, groups, rate limits, and
// with Slurm the cluster account). The cookie is cleared at the callback, so a replayed callback
// finds nothing to match.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PendingSignIn } from '../../auth/oidc/client.js';
import { identityFromClaims } from '../../auth/oidc/identity.js';
import type { HubContext } from '../../context.js';
import { HubError } from '../../errors/index.js';
import { html } from '../../ui/html.js';
import { sendPage, type WebDeps } from '../render.js';
import { noAccountPage } from './no-account.js';
import { safeNext, secureCookies, startSession } from './session.js';

const FLOW_COOKIE = 'hpchub-oidc';
const FLOW_PATH = '/hub/oidc/';
/** How long a person may take at the provider before the sign-in must start again. */
const FLOW_MAX_AGE_SECONDS = 600;

type Flow = PendingSignIn & { next: string };

/**
 * The hub's base URL as the browser sees it: the origin of `auth.oidc.redirect_url` when set,
 * else the request's (behind a reverse proxy named in `trusted_proxies`, its X-Forwarded-Proto
 * and -Host).
 */
export function hubBaseUrl(hub: HubContext, request: FastifyRequest): string {
  const configured = hub.config.auth.oidc.redirect_url;
  return configured === '' ? `${request.protocol}://${request.host}` : new URL(configured).origin;
}

function redirectUrl(hub: HubContext, request: FastifyRequest): string {
  return hub.config.auth.oidc.redirect_url || `${hubBaseUrl(hub, request)}/hub/oidc/callback`;
}

function readFlow(request: FastifyRequest): Flow | null {
  const raw = request.cookies[FLOW_COOKIE];
  const signed = raw ? request.unsignCookie(raw) : null;
  if (!signed?.valid || !signed.value) return null;
  try {
    const flow = JSON.parse(Buffer.from(signed.value, 'base64url').toString('utf8')) as Flow;
    return typeof flow.state === 'string' && typeof flow.verifier === 'string' ? flow : null;
  } catch {
    return null;
  }
}

function problemBody(error: HubError) {
  return html`<section class="panel narrow" aria-labelledby="sso-title">
    <h1 id="sso-title">Sign-in did not work</h1>
    <p id="sso-error">${error.message}</p>
    <p><a class="button" href="/hub/login">Back to sign in</a></p>
    <p class="muted">Error ${error.status} (${error.code})</p>
  </section>`;
}

/** Errors shown on the sign-in problem page; anything else is the hub's own fault (500). */
function isRefusal(err: unknown): err is HubError {
  return err instanceof HubError && (err.status < 500 || err.code === 'sso_unavailable');
}

export const ssoRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site }) => {
  const sso = hub.sso;
  if (!sso) return;

  /** A sign-in that could not finish, as a page a person can act on. */
  function refuse(reply: FastifyReply, error: HubError) {
    reply.code(error.status);
    if (error.headers) reply.headers(error.headers);
    if (error.code === 'no_cluster_account') return noAccountPage(reply, hub, site, error);
    return sendPage(reply, site, { title: 'Sign-in did not work' }, problemBody(error));
  }

  app.get(
    '/hub/oidc/login',
    {
      config: { access: { kind: 'public' } },
      schema: {
        hide: true,
        querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) }),
      },
    },
    async (request, reply) => {
      try {
        hub.login.assertNotLockedOut(request.ip);
        const { url, pending } = await sso.client.begin(redirectUrl(hub, request));
        const flow: Flow = { ...pending, next: safeNext(request.query.next) };
        reply.setCookie(FLOW_COOKIE, Buffer.from(JSON.stringify(flow)).toString('base64url'), {
          path: FLOW_PATH,
          httpOnly: true,
          // Lax: the provider sends the browser back with a top-level GET, which carries it.
          sameSite: 'lax',
          secure: secureCookies(hub, request),
          signed: true,
          maxAge: FLOW_MAX_AGE_SECONDS,
        });
        return reply.redirect(url.href, 302);
      } catch (err) {
        if (isRefusal(err)) return refuse(reply, err);
        throw err;
      }
    },
  );

  app.get(
    '/hub/oidc/callback',
    {
      config: { access: { kind: 'public' } },
      // The provider's parameters (code, state, iss, error …) are checked by openid-client.
      schema: { hide: true, querystring: Type.Record(Type.String(), Type.String({ maxLength: 8192 })) },
    },
    async (request, reply) => {
      const flow = readFlow(request);
      reply.clearCookie(FLOW_COOKIE, { path: FLOW_PATH });
      try {
        hub.login.assertNotLockedOut(request.ip);
        if (!flow) {
          request.log.warn({ address: request.ip }, 'single sign-on callback without a pending sign-in');
          hub.login.externalFailed(request.ip);
          throw new HubError(
            'sso_failed',
            'This sign-in has expired or was already used. Start again from the login page.',
          );
        }
        const callback = new URL(redirectUrl(hub, request));
        callback.search = new URL(request.url, 'http://callback.invalid').search;
        let vouched: Awaited<ReturnType<typeof sso.client.finish>>;
        let identity: ReturnType<typeof identityFromClaims>;
        try {
          vouched = await sso.client.finish(callback, flow);
          identity = identityFromClaims(vouched.claims, hub.config.auth.oidc, sso.map);
        } catch (err) {
          if (err instanceof HubError && err.code === 'sso_failed') {
            hub.login.externalFailed(request.ip);
            request.log.warn(
              { address: request.ip, reason: err.message, detail: err.detail },
              'single sign-on refused',
            );
          }
          throw err;
        }
        const user = await hub.login.admitExternal(identity, request.ip);
        await startSession(hub, request, reply, user, { method: 'oidc', idToken: vouched.idToken });
        return reply.redirect(flow.next, 303);
      } catch (err) {
        if (isRefusal(err)) return refuse(reply, err);
        throw err;
      }
    },
  );
};
