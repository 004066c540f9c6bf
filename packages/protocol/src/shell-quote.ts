// Quoting for the bash job scripts: every value a job script names goes through here, so nothing
// a user typed is ever interpreted by the shell.

/** Quotes a string for bash: inside single quotes nothing is special except the quote itself. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be passed to a shell');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `"$HOME"/'rest'` for a home-relative path (as normalised by apps/fields.ts). */
export function homePath(relative: string): string {
  return relative === '.' ? '"$HOME"' : `"$HOME"/${shellQuote(relative)}`;
}
