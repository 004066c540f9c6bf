// `hpchub start`: run the hub until SIGINT or SIGTERM.
import { ensureFirstAdmin, listen, openHub } from '../hub.js';
import type { CommandInput } from './command.js';

/** What a test's own entry point may give the hub instead of the configured parts (a simulated cluster's spawner). */
export type StartOptions = Parameters<typeof listen>[1];

export async function start(
  { config, warnings, io }: Pick<CommandInput, 'config' | 'warnings' | 'io'>,
  options: StartOptions = {},
): Promise<number> {
  const open = await openHub(config);
  for (const w of warnings) open.hub.log.warn(w);
  let running: Awaited<ReturnType<typeof listen>>;
  try {
    const admin = await ensureFirstAdmin(open.hub);
    running = await listen(open, options);
    if (admin) {
      // Printed once, on the terminal only (not in the log): it is never stored in clear.
      io.stdout.write(
        [
          '',
          '  ┌───────────────────────────────────────────────────────────────',
          '  │ hpchub created its first admin account. Sign in with:',
          `  │   URL:      ${running.url}/hub/login`,
          `  │   username: ${admin.name}`,
          `  │   password: ${admin.password}`,
          '  │ This password is shown only once. Change it any time with:',
          `  │   npx hpchub user passwd ${admin.name} --data-dir ${config.data_dir}`,
          '  └───────────────────────────────────────────────────────────────',
          '',
        ].join('\n'),
      );
    }
  } catch (err) {
    await open.close();
    throw err;
  }
  open.hub.log.info({ url: running.url }, 'hpchub is running');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      open.hub.log.info({ signal }, 'shutting down');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await running.close();
  return 0;
}
