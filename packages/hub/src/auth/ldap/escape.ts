// User input inside LDAP filters and DNs, escaped so that it can only ever be a value: a name
// such as `*` or `ada)(uid=*` must match nobody rather than everybody, and `x,ou=admins` must not
// climb into another subtree. The placeholders of the configured templates are filled here too.

/** RFC 4515 §3: in a filter's assertion value, `*`, `(`, `)`, `\` and NUL become `\XX`. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * RFC 4514 §2.4: in an attribute value of a DN, `"`, `+`, `,`, `;`, `<`, `>`, `=` and `\` are
 * escaped with a backslash, NUL as `\00`, and so are a leading space or `#` and a trailing space.
 */
export function escapeDnValue(value: string): string {
  let out = value.replace(/["+,;<>=\\]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/**
 * `{name}` placeholders of a configured template replaced by already escaped values. A function
 * replacer, so that `$&` or `$1` in a value stays literal text.
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
