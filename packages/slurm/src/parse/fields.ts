// Splitting Slurm's delimited output into records. Every format hpchub asks for puts the one
// field a user can change (the job name) last, so a `|` inside it cannot shift the others.

/** Values Slurm prints for "nothing". */
const NOTHING = new Set(['', 'N/A', 'n/a', '(null)', 'None', 'NONE', 'Unknown']);

/** The value, or undefined when Slurm printed one of its words for "nothing". */
export function value(text: string | undefined): string | undefined {
  const t = (text ?? '').trim();
  return NOTHING.has(t) ? undefined : t;
}

/**
 * The lines of `stdout` split on `|` into exactly `count` fields, the last one keeping any `|`
 * it contains. Lines with fewer fields (a truncated or foreign line) are skipped.
 */
export function records(stdout: string, count: number): string[][] {
  const out: string[][] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const parts = line.split('|');
    if (parts.length < count) continue;
    out.push([...parts.slice(0, count - 1), parts.slice(count - 1).join('|')]);
  }
  return out;
}

/** `KEY=value KEY=value …` of scontrol's --oneliner output, for one line. Values have no spaces, except the last ones. */
export function keyValues(line: string): Map<string, string> {
  const out = new Map<string, string>();
  // A key is a word (with / : . allowed, e.g. CPUs/Task, AllocNode:Sid) followed by '='; a value
  // runs to the next ' Key=' (values such as Reason may contain spaces).
  const re = /(?:^|\s)([A-Za-z][A-Za-z0-9_/:.]*)=/g;
  const starts: { key: string; at: number; valueAt: number }[] = [];
  for (let m = re.exec(line); m; m = re.exec(line)) {
    starts.push({ key: m[1] as string, at: m.index, valueAt: m.index + m[0].length });
  }
  starts.forEach((s, i) => {
    const end = starts[i + 1]?.at ?? line.length;
    out.set(s.key, line.slice(s.valueAt, end).trim());
  });
  return out;
}
