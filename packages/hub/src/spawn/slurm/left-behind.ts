// A start launched again after a hub restart (SpawnRequest.relaunch) may have a job already: the
// one its first launch submitted in the instant before the hub died, before its id was saved. It
// is found among the user's waiting and running jobs by the server's comment
// (`hpchub-server-<id>-<name>`, script.ts) and cancelled before the start submits again, so that
// it neither waits in the queue for hours, counting against the user's limits, nor runs for
// nothing. A lookup that cannot be made never holds the start up: it is logged and the start goes
// on, since such a job's agent is refused by the hub and ends its job once it runs.
import { type ActiveJob, type SlurmClient, SlurmError } from '@hpchub/slurm';
import type { Logger } from 'pino';

/**
 * Cancels the active jobs of `user` with `comment`. Resolves true when that is done (or none was
 * found, or the lookup can never be made here: a gateway token without `list`, a sudo rule
 * without squeue), false when Slurm did not answer, so that it is worth trying again before the
 * next submission.
 */
export type LeftBehindCanceller = (user: string, comment: string) => Promise<boolean>;

export function leftBehindCanceller(
  client: SlurmClient,
  log?: Pick<Logger, 'info' | 'warn'>,
): LeftBehindCanceller {
  // A lookup this hub may not make fails the same way each time: the admin hears of it once.
  let toldNotAllowed = false;
  return async (user, comment) => {
    // Without a comment nothing tells the start's job from the user's others.
    if (comment === '') return true;
    let found: ActiveJob[];
    try {
      found = (await client.listJobs(user)).filter((j) => j.comment === comment);
    } catch (err) {
      const transient = err instanceof SlurmError && err.kind === 'unavailable';
      const detail = { user, comment, err: (err as Error).message };
      const message =
        'cannot look for a job an earlier launch of this start left in Slurm; launching it again all the same';
      if (transient || !toldNotAllowed)
        log?.warn(
          transient
            ? detail
            : {
                ...detail,
                fix: 'allow the hub to list users’ jobs: the gateway token’s `list` endpoint, or squeue in the sudo rule',
              },
          message,
        );
      else log?.info(detail, message);
      if (!transient) toldNotAllowed = true;
      return !transient;
    }
    if (found.length === 0) return true;
    log?.warn(
      { user, comment, jobs: found.map((j) => j.id) },
      `cancelling Slurm job ${found.map((j) => j.id).join(', ')} that an earlier launch of this start left behind`,
    );
    let done = true;
    for (const job of found) {
      try {
        await client.cancel(job);
      } catch (err) {
        log?.warn({ user, job: job.id, err: (err as Error).message }, 'scancel of a job left behind failed');
        done = false;
      }
    }
    return done;
  };
}
