// Doctor: the hub answers at the URL jobs are given (asked from this machine; the test job asks
// again from where jobs run). Uses the same probe answer as the test job.
import { PROBE_PATH } from '@hpchub/protocol';
import { type Finding, fail, ok, warn } from './finding.js';

const CHECK = 'hub url';

export async function checkHubUrl(agentApi: string, version: string): Promise<Finding> {
  const url = `${agentApi}${PROBE_PATH}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/json' } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    return fail(
      CHECK,
      `no hub answers at ${url} (${why}).`,
      /CERT|SELF_SIGNED|TLS|SSL/.test(why)
        ? 'the certificate is not trusted by this machine, so jobs will not trust it either: use one signed by a CA the nodes trust.'
        : 'start the hub (e.g. `systemctl start hpchub`), or set spawner.hub_url to the address where it listens.',
    );
  }
  const body = (await res.json().catch(() => ({}))) as { hub?: string; version?: string };
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
