// "Did you mean …?" for unknown keys and environment variables: the closest known name by edit
// distance, compared both whole and by last segment so that a key in the wrong section
// (`admin_users` at the top level) still finds `auth.admin_users`.

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

const lastSegment = (key: string): string => key.slice(key.lastIndexOf('.') + 1);

/** Close enough to be a typo: about one edit in three characters. */
const tolerance = (word: string): number => Math.max(1, Math.floor(word.length / 3));

/** The candidate `word` was most likely meant to be, or undefined when none is close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const wordLower = word.toLowerCase();
  const tail = lastSegment(wordLower);
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const whole = distance(wordLower, candidate.toLowerCase());
    const byTail = distance(tail, lastSegment(candidate.toLowerCase()));
    const score = Math.min(
      whole <= tolerance(wordLower) ? whole : Number.POSITIVE_INFINITY,
      byTail <= tolerance(tail) ? byTail : Number.POSITIVE_INFINITY,
    );
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
