// Each user's last spawn-form choices per app: written when a start is accepted (the options
// were validated then), read to pre-fill the form. A remembered value that no longer fits the
// form (a partition gone, a lower limit) is simply not offered; the field's default is. A
// server's own options (to start it again as it was) are read the same way.
import type { Kysely } from 'kysely';
import type { OptionValues } from '../apps/fields.js';
import type { Database } from '../db/schema.js';
import { nowIso } from '../util/time.js';

type Db = Kysely<Database>;

export async function rememberChoices(
  db: Db,
  userId: number,
  app: string,
  options: OptionValues,
): Promise<void> {
  const values = { options: JSON.stringify(options), updated: nowIso() };
  await db
    .insertInto('spawn_choices')
    .values({ user_id: userId, app, ...values })
    .onConflict((oc) => oc.columns(['user_id', 'app']).doUpdateSet(values))
    .execute();
}

/** The user's last choices for the app, or an empty object. */
export async function rememberedChoices(db: Db, userId: number, app: string): Promise<OptionValues> {
  const row = await db
    .selectFrom('spawn_choices')
    .select('options')
    .where('user_id', '=', userId)
    .where('app', '=', app)
    .executeTakeFirst();
  return row ? parseOptions(row.options) : {};
}

/**
 * Stored options (a remembered choice, a server's `options`) as values, without `app`; anything
 * unreadable is left out, and what is kept is checked against the form by its description.
 */
export function parseOptions(json: string): OptionValues {
  try {
    const parsed: unknown = JSON.parse(json);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter(
        (e): e is [string, string | number | boolean] =>
          e[0] !== 'app' && ['string', 'number', 'boolean'].includes(typeof e[1]),
      ),
    );
  } catch {
    return {};
  }
}
