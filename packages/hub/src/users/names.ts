// Usernames: one normal form everywhere (login, API paths, CLI), and one rule for what is
// allowed. Names become URL segments (/user/NAME/), Slurm job owners and Unix account names,
// so the rule is the intersection of what all of those accept.

/** Longest name we accept; Linux account names are limited to 32 bytes. */
export const MAX_USERNAME_LENGTH = 32;

const USERNAME = /^[a-z0-9_][a-z0-9_.-]*$/;

/** Lower-cases and trims, and folds Unicode compatibility forms (fullwidth letters, ligatures). */
export function normaliseUsername(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase();
}

/** Returns why a (normalised) name is not acceptable, or null when it is. */
export function usernameProblem(name: string): string | null {
  if (name.length === 0) return 'A username is required.';
  if (name.length > MAX_USERNAME_LENGTH) {
    return `A username has at most ${MAX_USERNAME_LENGTH} characters.`;
  }
  if (!USERNAME.test(name) || name.includes('..')) {
    return 'A username may contain only lower-case letters, digits, "_", "." and "-", and must start with a letter, digit or "_".';
  }
  return null;
}

/** Group names follow the same rule as usernames, with a longer limit. */
export function groupNameProblem(name: string): string | null {
  if (name.length === 0) return 'A group name is required.';
  if (name.length > 64) return 'A group name has at most 64 characters.';
  if (!USERNAME.test(name) || name.includes('..')) {
    return 'A group name may contain only lower-case letters, digits, "_", "." and "-".';
  }
  return null;
}
