// Secrets the hub needs to talk to an identity provider or a directory (an OIDC client secret, an
// LDAP bind password): read from a file the site keeps private, or from the environment, never
// from the configuration file, so they appear in no `hpchub config` output, log line or API answer.
import { readFileSync } from 'node:fs';

/**
 * The secret in `file` (one trailing newline removed), else the value of the environment variable
 * `envName`, else undefined. An unreadable file is an error naming the option, never the content.
 */
export function readSecret(
  source: { file: string; option: string; envName: string },
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (source.file !== '') {
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new Error(`${source.option}: cannot read ${source.file} (${code}).`);
    }
    const secret = text.replace(/\r?\n$/, '');
    if (secret === '') throw new Error(`${source.option}: ${source.file} is empty.`);
    return secret;
  }
  const value = env[source.envName];
  return value === undefined || value === '' ? undefined : value;
}
