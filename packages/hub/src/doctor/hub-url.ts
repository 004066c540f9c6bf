// Doctor: the hub answers at the URL jobs are given (asked from this machine; the test job asks
// again from where jobs run). Uses the same probe answer as the test job.
import { PIN_MISMATCH, PROBE_PATH, pinnedRequest } from '@hpchub/protocol';
import type { AgentApiAddress } from '../config/hub-url.js';
import { type Finding, fail, ok, warn } from './finding.js';

const CHECK = 'hub url';

export async function checkHubUrl(hubApi: AgentApiAddress, version: string): Promise<Finding> {
  const agentApi = hubApi.url;
  const url = `${agentApi}${PROBE_PATH}`;
  let res: { status: number; text: string };
  try {
    res = await pinnedRequest(new URL(url), {
      method: 'GET',
      headers: { accept: 'application/json' },
      fingerprint: hubApi.fingerprint,
      timeoutMs: 10_000,
    });
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    const why = error.code ?? error.message;
    return fail(
      CHECK,
      `no hub answers at ${url} (${why}).`,
      why === PIN_MISMATCH
        ? 'something else answers there with another certificate than the hub’s own: spawner.hub_url must lead to this hub.'
        : /CERT|SELF_SIGNED|TLS|SSL/.test(why)
          ? 'the certificate is not trusted by this machine, so jobs will not trust it either: use one signed by a CA the nodes trust.'
          : 'start the hub (e.g. `systemctl start hpchub`), or set spawner.hub_url to the address where it listens.',
    );
  }
  let body: { hub?: string; version?: string } = {};
  try {
    body = JSON.parse(res.text);
  } catch {
    // not JSON: not a hub
  }
  if (res.status !== 200 || body.hub !== 'hpchub') {
    return fail(
      CHECK,
      `${url} answered HTTP ${res.status}, not as an hpchub hub.`,
      'spawner.hub_url must name this hub (scheme, host, port, and the path prefix of a reverse proxy if any).',
    );
  }
  if (body.version !== version)
    return warn(
      CHECK,
      `the hub at ${agentApi} runs hpchub ${body.version}; this command is ${version}.`,
      'restart the hub after an upgrade, so it runs the installed version.',
    );
  return ok(CHECK, `the hub answers at ${agentApi} (hpchub ${body.version}).`);
}
