// This hub's identity: a random id made at its first start and kept in the database (hub_kv), so
// that what it leaves outside the database is told apart from another hub's — the comments of the
// Slurm jobs it submits, when two hubs (say a test and a production one) share a cluster and users.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

const KEY = 'hub.id';

/** The hub's id (8 hex digits), made and kept on first use; two hubs starting at once agree. */
export async function hubIdentity(db: Kysely<Database>): Promise<string> {
  const read = () => db.selectFrom('hub_kv').select('value').where('key', '=', KEY);
  const kept = await read().executeTakeFirst();
  if (kept) return kept.value;
  await db
    .insertInto('hub_kv')
    .values({ key: KEY, value: randomBytes(4).toString('hex') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return (await read().executeTakeFirstOrThrow()).value;
}
