// `hpchub config check`: the configuration is loaded (and validated) before any command runs,
// so reaching this point means it is valid; show what is set and where it came from. With
// --connect, also reach what the settings point at as the hub would: the single sign-on
// provider's discovery, and the LDAP directory (TLS, the service account's bind).
import { type LdapLog, probeDirectory } from '../auth/ldap/authenticator.js';
import { OidcClient } from '../auth/oidc/client.js';
import { readSecret } from '../auth/secrets.js';
import { type HubConfig, SECRET_ENV } from '../config/index.js';
import type { CommandInput } from './command.js';

/** Each check the configuration calls for: a name, and what it found (or throws what failed). */
function connectionChecks(config: HubConfig): { name: string; run: () => Promise<string> }[] {
  const checks: { name: string; run: () => Promise<string> }[] = [];
  const { oidc, ldap } = config.auth;
  // The CLI keeps the client's own log lines out of the report: it prints the reasons itself.
  const silent: LdapLog = { warn() {} };
  if (oidc.issuer !== '') {
    checks.push({
      name: `single sign-on (${oidc.issuer})`,
      run: () => {
        const secret = readSecret({
          file: oidc.client_secret_file,
          option: 'auth.oidc.client_secret_file',
          envName: SECRET_ENV.oidcClientSecret,
        });
        return new OidcClient(oidc, secret, silent).probe();
      },
    });
  }
  if (config.auth.authenticator === 'ldap') {
    checks.push({
      name: `LDAP directory (${ldap.url})`,
      run: () => {
        const secret = readSecret({
          file: ldap.bind_password_file,
          option: 'auth.ldap.bind_password_file',
          envName: SECRET_ENV.ldapBindPassword,
        });
        return probeDirectory(ldap, secret);
      },
    });
  }
  return checks;
}

export async function configCheck({ config, sources, warnings, values, io }: CommandInput): Promise<number> {
  io.stdout.write('Configuration is valid.\n');
  const keys = Object.keys(sources).sort();
  if (keys.length === 0) io.stdout.write('Every setting is at its default.\n');
  for (const key of keys) io.stdout.write(`  ${key}  (from ${sources[key]})\n`);
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  if (!values.connect) return 0;

  const checks = connectionChecks(config);
  if (checks.length === 0)
    io.stdout.write('Nothing to connect to: neither auth.oidc nor the ldap authenticator is set up.\n');
  let failed = 0;
  for (const check of checks) {
    try {
      io.stdout.write(`ok      ${check.name}: ${await check.run()}\n`);
    } catch (err) {
      failed++;
      io.stdout.write(`FAILED  ${check.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}
