// `hpchub user add|list|passwd`.
import { deleteSessionsOfUser } from '../auth/sessions.js';
import { normaliseUsername, usernameProblem } from '../users/names.js';
import { hashPassword, passwordProblem } from '../users/password.js';
import { createUser, findUser, groupsOfUsers, listUsers, updateUser } from '../users/store.js';
import type { CommandInput } from './command.js';
import { CliError, readSecretLine } from './io.js';
import { withHub } from './with-hub.js';

function checkedName(raw: string): string {
  const name = normaliseUsername(raw);
  const problem = usernameProblem(name);
  if (problem) throw new CliError(`Invalid username ${JSON.stringify(raw)}: ${problem}`, 2);
  return name;
}

async function readNewPassword(input: CommandInput, name: string): Promise<string> {
  const password = await readSecretLine(input.io, `New password for ${name}: `);
  const problem = passwordProblem(password);
  if (problem) throw new CliError(problem, 2);
  return password;
}

export async function userAdd(input: CommandInput): Promise<number> {
  const name = checkedName(input.positionals[0] ?? '');
  const password = input.values['no-password'] ? null : await readNewPassword(input, name);
  return withHub(input, async ({ hub }) => {
    if (await findUser(hub.db, name)) throw new CliError(`A user named ${name} already exists.`);
    await createUser(hub.db, {
      name,
      admin: input.values.admin === true,
      passwordHash: password === null ? null : await hashPassword(password),
    });
    input.io.stderr.write(`Created ${input.values.admin ? 'admin ' : ''}user ${name}.\n`);
    return 0;
  });
}

export async function userList(input: CommandInput): Promise<number> {
  return withHub(input, async ({ hub }) => {
    const rows = await listUsers(hub.db, { offset: 0, limit: 1_000_000 });
    const groups = await groupsOfUsers(
      hub.db,
      rows.map((r) => r.id),
    );
    const out = input.io.stdout;
    out.write(
      `${'NAME'.padEnd(34)}${'ADMIN'.padEnd(7)}${'BLOCKED'.padEnd(9)}${'LAST ACTIVITY'.padEnd(26)}GROUPS\n`,
    );
    for (const r of rows) {
      out.write(
        `${r.name.padEnd(34)}${(r.admin ? 'yes' : 'no').padEnd(7)}${(r.blocked ? 'yes' : 'no').padEnd(9)}` +
          `${(r.last_activity ?? '-').padEnd(26)}${(groups.get(r.id) ?? []).join(',')}\n`,
      );
    }
    return 0;
  });
}

export async function userPasswd(input: CommandInput): Promise<number> {
  const name = checkedName(input.positionals[0] ?? '');
  return withHub(input, async ({ hub }) => {
    const user = await findUser(hub.db, name);
    if (!user) throw new CliError(`There is no user named ${name}.`);
    const password = await readNewPassword(input, name);
    await updateUser(hub.db, user.id, { passwordHash: await hashPassword(password) });
    await deleteSessionsOfUser(hub.db, user.id);
    input.io.stderr.write(`Changed the password of ${name}; their sessions were ended.\n`);
    return 0;
  });
}
