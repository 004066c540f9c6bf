// `hpchub token create NAME`: prints the token alone on stdout, for scripts.
import { ALL_SCOPES, isScope, ungrantableScopes } from '../auth/scopes.js';
import { createToken } from '../auth/tokens.js';
import { normaliseUsername } from '../users/names.js';
import { findUser } from '../users/store.js';
import type { CommandInput } from './command.js';
import { CliError, usageError } from './io.js';
import { withHub } from './with-hub.js';

export async function tokenCreate(input: CommandInput): Promise<number> {
  const name = normaliseUsername(input.positionals[0] ?? '');
  const scopes = String(input.values.scopes ?? 'self')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0 || scopes.length === 0) {
    throw usageError(
      `Unknown scope(s): ${unknown.join(', ') || '(none given)'}. Known scopes: ${ALL_SCOPES.join(', ')}.`,
      'token create',
    );
  }
  const rawExpiry = input.values['expires-in'];
  let expiresIn: number | null = null;
  if (rawExpiry !== undefined) {
    if (typeof rawExpiry !== 'string' || !/^\d{1,10}$/.test(rawExpiry) || Number(rawExpiry) < 1) {
      throw usageError(
        `--expires-in takes a number of seconds (at least 1); got ${JSON.stringify(rawExpiry)}.`,
        'token create',
      );
    }
    expiresIn = Number(rawExpiry);
  }
  return withHub(input, async ({ hub }) => {
    const user = await findUser(hub.db, name);
    if (!user) throw new CliError(`There is no user named ${name}.`);
    const denied = ungrantableScopes(user, scopes.filter(isScope));
    if (denied.length > 0)
      throw new CliError(`${name} is not an admin and cannot hold: ${denied.join(', ')}.`);
    const max = hub.config.tokens.max_expires_in_seconds;
    if (max > 0 && (expiresIn === null || expiresIn > max)) expiresIn = Math.min(expiresIn ?? max, max);
    const { token } = await createToken(hub.db, {
      userId: user.id,
      scopes: scopes.filter(isScope),
      note: typeof input.values.note === 'string' ? input.values.note : 'created with hpchub token create',
      expiresInSeconds: expiresIn,
    });
    input.io.stdout.write(`${token}\n`);
    return 0;
  });
}
