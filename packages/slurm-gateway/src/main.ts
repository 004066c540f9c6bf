// The `hpchub-slurm-gateway` command: `serve` (default) loads the YAML configuration, takes the
// certificate from it or generates one and prints its SHA-256 fingerprint for the hub to pin, and
// listens; `token` prints a new token and the hash to put in the configuration.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { fingerprintOf, generateCertificate } from '@hpchub/protocol';
import { pino } from 'pino';
import { buildGateway } from './app.js';
import { ConfigError, checkConfig, loadConfig } from './config.js';
import { hashToken, newToken } from './tokens.js';

const USAGE = `usage: hpchub-slurm-gateway [serve] [--config FILE] [--listen ADDRESS] [--port PORT]
       hpchub-slurm-gateway token      (prints a new token and its sha256 for the configuration)`;

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0] ?? 'serve';
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (command === 'token') {
    const token = newToken();
    console.log(`token:  ${token}\nsha256: ${hashToken(token)}`);
    return 0;
  }
  if (command !== 'serve') {
    console.error(USAGE);
    return 2;
  }
  let config: ReturnType<typeof checkConfig>;
  try {
    config = values.config ? loadConfig(values.config) : checkConfig({});
    if (values.listen) config.listen = values.listen;
    if (values.port) config = checkConfig({ ...config, port: Number(values.port) });
  } catch (err) {
    console.error(
      err instanceof ConfigError ? err.message : `cannot read the configuration: ${(err as Error).message}`,
    );
    return 2;
  }
  const tls = config.tls_cert
    ? { cert: readFileSync(config.tls_cert, 'utf8'), key: readFileSync(config.tls_key, 'utf8') }
    : (() => {
        const generated = generateCertificate({
          commonName: 'hpchub-slurm-gateway',
          altNames: [hostname(), config.listen],
        });
        return { cert: generated.certPem, key: generated.keyPem };
      })();
  const fingerprint = fingerprintOf(new X509Certificate(tls.cert).raw);
  const logger = pino({ name: 'hpchub-slurm-gateway' });
  const app = await buildGateway({ config, logger, https: tls });
  await app.listen({ host: config.listen, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ listen: config.listen, port, fingerprint }, 'hpchub-slurm-gateway listening');
  // One plain line for scripts and for the operator to copy into slurm.gateway_fingerprint.
  console.log(
    `hpchub-slurm-gateway listening on https://${config.listen}:${port} fingerprint sha256 ${fingerprint}`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await app.close();
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      listen: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
