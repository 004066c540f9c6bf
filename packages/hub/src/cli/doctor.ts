// `hpchub doctor`: check the set-up (see doctor/index.ts) and print each finding with its fix.
import { formatFinding, summary } from '../doctor/finding.js';
import { runDoctor } from '../doctor/index.js';
import { HUB_VERSION } from '../hub.js';
import type { CommandInput } from './command.js';
import { usageError } from './io.js';

export async function doctor({ config, warnings, values, io }: CommandInput): Promise<number> {
  const rawTimeout = values['job-timeout'] ?? '300';
  if (typeof rawTimeout !== 'string' || !/^\d{1,5}$/.test(rawTimeout) || Number(rawTimeout) < 1)
    throw usageError(`--job-timeout takes a number of seconds; got ${JSON.stringify(rawTimeout)}.`, 'doctor');
  const partition = values.partition;
  if (partition !== undefined && (typeof partition !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(partition)))
    throw usageError('--partition takes a partition name.', 'doctor');
  io.stdout.write(`hpchub doctor ${HUB_VERSION}: checking the set-up of ${config.data_dir}\n`);
  const findings = await runDoctor(config, {
    user: typeof values.user === 'string' ? values.user : undefined,
    partition,
    job: values['no-job'] !== true,
    jobTimeoutMs: Number(rawTimeout) * 1000,
    version: HUB_VERSION,
    configWarnings: warnings,
    report: (f) => io.stdout.write(formatFinding(f)),
  });
  const { text, exitCode } = summary(findings);
  io.stdout.write(text);
  return exitCode;
}
