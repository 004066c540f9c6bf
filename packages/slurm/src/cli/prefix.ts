// Running a Slurm command as a user: the configured prefix (`sudo -n -u {user}` by default,
// `runuser -u {user} --` when the hub itself is root) in front of the command's argv. The user
// name is checked before it reaches argv, so it can never be read as an option.

/** POSIX portable user names, as useradd, LDAP and SSSD hand them out; not all digits (a uid). */
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function isSafeUserName(name: string): boolean {
  return USER_NAME.test(name) && !/^\d+$/.test(name);
}

export const SUDO_PREFIX = ['sudo', '-n', '-u', '{user}'] as const;
export const RUNUSER_PREFIX = ['runuser', '-u', '{user}', '--'] as const;

/** The default prefix: runuser when running as root (no sudo rule needed), sudo otherwise. */
export function defaultUserPrefix(isRoot = process.getuid?.() === 0): string[] {
  return [...(isRoot ? RUNUSER_PREFIX : SUDO_PREFIX)];
}

/** A prefix written as one string in configuration: words separated by spaces, no shell quoting. */
export function parseUserPrefix(text: string): string[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (!words.some((w) => w.includes('{user}')))
    throw new Error(`the command prefix "${text}" must contain {user}`);
  return words;
}

/** The argv that runs `command` as `user`. Throws for a name that is not a safe account name. */
export function asUser(prefix: readonly string[], user: string, command: readonly string[]): string[] {
  if (!isSafeUserName(user)) throw new Error(`"${user}" is not an account name Slurm commands can run as`);
  return [...prefix.map((w) => w.replaceAll('{user}', user)), ...command];
}
