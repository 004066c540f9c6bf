// `hpchub config check`: the configuration is loaded (and validated) before any command runs,
// so reaching this point means it is valid; show what is set and where it came from.
import type { CommandInput } from './command.js';

export async function configCheck({ sources, warnings, io }: CommandInput): Promise<number> {
  io.stdout.write('Configuration is valid.\n');
  const keys = Object.keys(sources).sort();
  if (keys.length === 0) io.stdout.write('Every setting is at its default.\n');
  for (const key of keys) io.stdout.write(`  ${key}  (from ${sources[key]})\n`);
  for (const w of warnings) io.stderr.write(`warning: ${w}\n`);
  return 0;
}
