// The rules of managing accounts, once, for the REST API and the admin pages: what a new or
// changed account must satisfy (the name and password rules, no two users of one name), what an
// admin may not do to themself (remove their own admin rights, block or delete themself), and
// what follows a change: a blocked user or a new password ends every session, and a user who is
// blocked or deleted loses their servers (through AccountHooks, which app.ts wires to the spawning
// service and the proxy). Each change is logged with who made it. It lives in auth/, not users/,
// because a change ends sessions, which auth/ owns; users/ keeps the tables and the name and
// password rules.
import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../db/schema.js';
import { type FieldValidation, HubError, notFound } from '../errors/index.js';
import { usernameProblem } from '../users/names.js';
import { hashPassword, passwordProblem } from '../users/password.js';
import { createUser, deleteUser, findUser, updateUser } from '../users/store.js';
import type { Caller } from './caller.js';
import { deleteSessionsOfUser } from './sessions.js';

/** What must happen elsewhere in the hub when an account changes. */
export interface AccountHooks {
  /** How many of the user's servers are starting, running or stopping. */
  activeServers(user: UserRow): Promise<number>;
  /**
   * The user can no longer sign in: just blocked, or blocked on the way to being deleted. Stops
   * every server of theirs; returns once they are stopped.
   */
  lockedOut(user: UserRow): Promise<void>;
  /** The user's rights, name or sessions changed: whatever caches who they are must look again. */
  changed(user: UserRow): void;
}

export interface AccountChanges {
  name?: string | undefined;
  admin?: boolean | undefined;
  blocked?: boolean | undefined;
  password?: string | undefined;
}

/** One validation per problem in a new or changed account. */
function accountProblems(fields: { name?: string | undefined; password?: string | undefined }) {
  const out: FieldValidation[] = [];
  const nameProblem = fields.name === undefined ? null : usernameProblem(fields.name);
  if (nameProblem) out.push({ field: 'name', message: nameProblem });
  const pwProblem = fields.password === undefined ? null : passwordProblem(fields.password);
  if (pwProblem) out.push({ field: 'password', message: pwProblem });
  return out;
}

function rejectIfAny(validations: FieldValidation[]): void {
  if (validations.length > 0) throw new HubError('validation_failed', undefined, { validations });
}

/** A refusal about the `name` field (409): the name is taken, or cannot change now. */
function nameConflict(message: string): HubError {
  return new HubError('conflict', message, { validations: [{ field: 'name', message }] });
}

export class Accounts {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly hooks: AccountHooks,
  ) {}

  /** The user of this name; not found (404) otherwise. */
  async existing(name: string): Promise<UserRow> {
    const row = await findUser(this.db, name);
    if (!row) throw notFound();
    return row;
  }

  /** Creates several users at once, or none: one bad or existing name refuses the whole batch. */
  async createMany(caller: Caller, usernames: string[], admin: boolean): Promise<UserRow[]> {
    const validations: FieldValidation[] = [];
    usernames.forEach((name, i) => {
      const problem = usernameProblem(name);
      if (problem) validations.push({ field: `usernames.${i}`, message: problem });
    });
    rejectIfAny(validations);
    for (const [i, name] of usernames.entries()) {
      if ((await findUser(this.db, name)) || usernames.indexOf(name) !== i) {
        validations.push({ field: `usernames.${i}`, message: `A user named ${name} already exists.` });
      }
    }
    if (validations.length > 0)
      throw new HubError('conflict', 'Some of these users already exist.', { validations });
    const rows = await this.db.transaction().execute(async (tx) => {
      const created: UserRow[] = [];
      for (const name of usernames) created.push(await createUser(tx, { name, admin }));
      return created;
    });
    caller.log.info({ users: usernames, by: caller.principal.name }, 'users created');
    return rows;
  }

  /** Creates a user; a password makes the account usable with the local authenticator. */
  async create(
    caller: Caller,
    name: string,
    fields: { admin?: boolean | undefined; password?: string | undefined },
  ): Promise<UserRow> {
    rejectIfAny(accountProblems({ name, password: fields.password }));
    if (await findUser(this.db, name)) throw nameConflict(`A user named ${name} already exists.`);
    const passwordHash = fields.password === undefined ? null : await hashPassword(fields.password);
    const row = await createUser(this.db, { name, admin: fields.admin ?? false, passwordHash });
    caller.log.info({ user: name, admin: row.admin === 1, by: caller.principal.name }, 'user created');
    return row;
  }

  /**
   * Renames a user, sets their admin flag, blocks or unblocks them, or sets their password. A user
   * whose servers are active keeps their name: the addresses of those servers contain it.
   */
  async change(caller: Caller, name: string, changes: AccountChanges): Promise<UserRow> {
    const row = await this.existing(name);
    const validations = accountProblems({ name: changes.name, password: changes.password });
    const self = caller.principal.userId === row.id;
    if (self && changes.admin === false)
      validations.push({ field: 'admin', message: 'You cannot remove your own admin rights.' });
    if (self && changes.blocked === true)
      validations.push({ field: 'blocked', message: 'You cannot block yourself.' });
    rejectIfAny(validations);
    if (changes.name !== undefined && changes.name !== row.name) {
      if (await findUser(this.db, changes.name))
        throw nameConflict(`A user named ${changes.name} already exists.`);
      if ((await this.hooks.activeServers(row)) > 0)
        throw nameConflict(`Stop the servers of ${row.name} first: their addresses contain the username.`);
    }
    const updated = await updateUser(this.db, row.id, {
      name: changes.name,
      admin: changes.admin,
      blocked: changes.blocked,
      passwordHash: changes.password === undefined ? undefined : await hashPassword(changes.password),
    });
    // A blocked user or a changed password must not keep old sessions alive.
    if (changes.blocked === true || changes.password !== undefined)
      await deleteSessionsOfUser(this.db, row.id);
    this.hooks.changed(updated);
    caller.log.info(
      {
        user: row.name,
        changed: Object.keys(changes).filter((k) => k !== 'password'),
        by: caller.principal.name,
      },
      'user changed',
    );
    // The change is made (and logged) whatever becomes of stopping the servers.
    if (changes.blocked === true) await this.hooks.lockedOut(updated);
    return updated;
  }

  /**
   * Deletes a user with their tokens, sessions and memberships. They are blocked first, so that
   * nothing new starts while their servers stop; should stopping fail, they stay blocked and the
   * delete can be tried again.
   */
  async delete(caller: Caller, name: string): Promise<void> {
    const row = await this.existing(name);
    if (caller.principal.userId === row.id) {
      throw new HubError('validation_failed', 'You cannot delete your own account.', {
        validations: [{ field: 'name', message: 'You cannot delete your own account.' }],
      });
    }
    const blocked = await updateUser(this.db, row.id, { blocked: true });
    this.hooks.changed(blocked);
    await this.hooks.lockedOut(blocked);
    await deleteUser(this.db, row.id);
    caller.log.info({ user: row.name, by: caller.principal.name }, 'user deleted');
  }
}
