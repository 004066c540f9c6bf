// Opens the hub's database for an admin command, with log lines on stderr so that stdout holds
// only the command's result.
import { type OpenHub, openHub } from '../hub.js';
import type { CommandInput } from './command.js';

export async function withHub<T>(input: CommandInput, fn: (open: OpenHub) => Promise<T>): Promise<T> {
  const config = { ...input.config, log: { ...input.config.log, level: 'warn' as const } };
  const open = await openHub(config, { logStream: input.io.stderr });
  try {
    return await fn(open);
  } finally {
    await open.close();
  }
}
