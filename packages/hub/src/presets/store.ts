// The `presets` table (migration 0008_presets), written here only: a user's saved start settings.
import type { Kysely } from 'kysely';
import type { Database, PresetRow } from '../db/schema.js';
import { nowIso } from '../util/time.js';

type Db = Kysely<Database>;

export function listPresets(db: Db, userId: number): Promise<PresetRow[]> {
  return db.selectFrom('presets').selectAll().where('user_id', '=', userId).orderBy('name').execute();
}

export function findPreset(db: Db, userId: number, id: number): Promise<PresetRow | undefined> {
  return db
    .selectFrom('presets')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Saves under `name`, replacing the user's preset of that name if there is one. */
export async function savePreset(
  db: Db,
  fields: { userId: number; name: string; app: string; options: string },
): Promise<PresetRow> {
  return db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom('presets')
      .where('user_id', '=', fields.userId)
      .where('name', '=', fields.name)
      .execute();
    return tx
      .insertInto('presets')
      .values({
        user_id: fields.userId,
        name: fields.name,
        app: fields.app,
        options: fields.options,
        created: nowIso(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** True if the user had that preset. */
export async function deletePreset(db: Db, userId: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('presets')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
