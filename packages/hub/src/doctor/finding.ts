// What `hpchub doctor` reports: one finding per check, each with what was seen and, when
// something is wrong, what to do about it. Printed as they come (the test job takes a while).

export type FindingStatus = 'ok' | 'warn' | 'fail';

export interface Finding {
  /** Short name of what was checked: `database`, `slurm`, `hub url from the job`… */
  check: string;
  status: FindingStatus;
  /** What was found, as a sentence. */
  message: string;
  /** What to do, for warn and fail. */
  fix?: string;
}

export const ok = (check: string, message: string): Finding => ({ check, status: 'ok', message });
export const warn = (check: string, message: string, fix: string): Finding => ({
  check,
  status: 'warn',
  message,
  fix,
});
export const fail = (check: string, message: string, fix: string): Finding => ({
  check,
  status: 'fail',
  message,
  fix,
});

const LABEL: Record<FindingStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

/** One finding as printed: status, check, message, and the fix on the next line. */
export function formatFinding(f: Finding): string {
  const lines = [`${LABEL[f.status]}  ${f.check}: ${f.message}`];
  if (f.fix) lines.push(`      fix: ${f.fix}`);
  return `${lines.join('\n')}\n`;
}

/** The last line: how many problems, and the exit code (1 when anything failed). */
export function summary(findings: Finding[]): { text: string; exitCode: number } {
  const failed = findings.filter((f) => f.status === 'fail').length;
  const warned = findings.filter((f) => f.status === 'warn').length;
  const text =
    failed === 0 && warned === 0
      ? `All ${findings.length} checks passed.\n`
      : `${failed} failed, ${warned} warning(s), ${findings.length - failed - warned} passed.\n`;
  return { text, exitCode: failed > 0 ? 1 : 0 };
}
