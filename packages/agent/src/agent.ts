// The agent's life, start to end. Without a picker: start the app, open the TLS listener while
// it starts, and send `ready` once it answers. With a picker: listen and send `ready` first,
// serve the picker until the user chooses a directory, then start the app (the picker page sends
// the browser into the app once it answers). Any end — a signal, the app exiting, a failed start — goes through
// stop(): tell the hub why, stop the app's process group, close the listener, remove the work
// directory, exit.
import os from 'node:os';
import type { AgentStopping } from '@hpchub/protocol';
import { generateCertificate } from '@hpchub/protocol';
import { type ActivityReader, activityReader } from './app-activity.js';
import type { AppAuth } from './app-auth.js';
import { prepareLaunch } from './app-launch.js';
import { AppOutput, withOutput } from './app-output.js';
import { type AppEnd, AppProcess, exitCodeOf } from './app-process.js';
import type { AppTarget } from './app-target.js';
import { Frontend } from './frontend.js';
import { Heartbeat } from './heartbeat.js';
import { type HubAnswer, HubClient, type HubMessage, type SendOptions } from './hub-client.js';
import type { Logger } from './log.js';
import { openPickerPhase, type PickerSpec } from './picker/phase.js';
import type { PlaceholderValues } from './placeholders.js';
import { type ProbeResult, waitUntilReady } from './readiness.js';
import { randomToken } from './secrets.js';
import type { AgentSettings } from './settings.js';
import { abortable } from './timing.js';
import { createWorkdir, removeWorkdir } from './workdir.js';

type StopReason = AgentStopping['reason'];

/** How to end: what to tell the hub (nothing when `reason` is undefined) and the exit code. */
interface Ending {
  reason: StopReason | undefined;
  message: string;
  appExitCode?: number;
  processExit: number;
}

/** A start that cannot go on; stop() reports it. */
class StartFailure extends Error {
  constructor(readonly ending: Ending) {
    super(ending.message);
  }
}

/** The exit code when the hub no longer knows the server (main.ts lists them all). */
const EXIT_UNKNOWN_SERVER = 3;

/** How long the app gets between SIGTERM and SIGKILL, and the hub to take `stopping`. */
const GRACE_MS = 10_000;

export class Agent {
  private readonly abort = new AbortController();
  private readonly token = randomToken();
  private readonly title: string;
  private readonly output: AppOutput;
  private readonly hub: HubClient;
  private workdir: string | undefined;
  private app: AppProcess | undefined;
  private frontend: Frontend | undefined;
  private heartbeat: Heartbeat | undefined;
  /** Reads the app's own activity once it runs (with a picker, heartbeats begin before). */
  private running: ActivityReader | undefined;
  private ending: Ending | undefined;
  /** Of the certificate the frontend serves, for `ready`. */
  private fingerprint = '';
  private inOrder: Promise<unknown> = Promise.resolve();
  private readonly finished: Promise<number>;
  private finish: (code: number) => void = () => {};

  constructor(
    private readonly s: AgentSettings,
    private readonly log: Logger,
    hub?: HubClient,
  ) {
    log.redact(s.secret);
    log.redact(this.token);
    this.hub = hub ?? new HubClient(s, log);
    this.title = s.spec.title ?? s.spec.app;
    this.output = new AppOutput([s.secret, this.token], (stream, line) =>
      log.info('app_output', { stream, line }),
    );
    this.finished = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  /** Runs until the agent is done; resolves with the process's exit code. */
  run(): Promise<number> {
    this.log.info('agent_starting', {
      server: this.s.serverId,
      app: this.s.spec.app,
      pid: process.pid,
      // When the job script and this process began: the job's own share of a start (bench/spawn).
      job_started: this.s.job.startedAt,
      process_started: new Date(performance.timeOrigin).toISOString(),
    });
    this.startup().catch((err: unknown) => {
      if (this.ending) return; // stopping already: whatever was awaited was cut short
      if (err instanceof StartFailure) void this.stop(err.ending);
      else void this.fail(err);
    });
    return this.finished;
  }

  /** SIGTERM/SIGINT/SIGHUP: Slurm's warning before the time limit, scancel, or the hub's stop. */
  onSignal(signal: NodeJS.Signals): void {
    this.log.info('signal', { signal });
    void this.stop({
      reason: 'signal',
      message: `The agent received ${signal} and stopped ${this.title}.`,
      processExit: 0,
    });
  }

  /** An error nobody expected: stop everything and exit 1. */
  fail(err: unknown): Promise<void> {
    this.log.error('agent_failed', {
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    const message = `The agent failed: ${err instanceof Error ? err.message : String(err)}`;
    return this.stop({ reason: 'app_failed_to_start', message, processExit: 1 });
  }

  private async startup(): Promise<void> {
    const spec = this.s.spec;
    const job = this.s.job;
    if (job.progress) this.progress(job.progress);
    // The job script could not prepare the app's environment (a module failed to load): starting
    // the app without it would only hide the problem.
    if (job.failure)
      throw new StartFailure({ reason: 'app_failed_to_start', message: job.failure, processExit: 1 });
    const workdir = await createWorkdir(this.s.serverId);
    if (this.ending) {
      // Stopped while the directory was being made: stop() could not remove it.
      await removeWorkdir(workdir);
      return;
    }
    this.workdir = workdir;
    const options = { ...spec.options };
    if (spec.picker) {
      options[spec.picker.option] = await this.pick(spec.picker, options);
      const { target, auth } = await this.launch(options);
      (this.frontend as Frontend).setRunning(target, auth, `${this.title} is running.`);
      this.running = activityReader(this.s.spec.activity?.source ?? 'traffic', target, auth);
      this.progress(`${this.title} is running`);
      return;
    }
    // The certificate and the TLS listener are made while the app starts (JupyterLab takes
    // seconds), right after its process is spawned so that they never delay it.
    let listening: Promise<number> = Promise.resolve(0);
    const launching = this.launch(options, () => {
      listening = this.openFrontend().listen(this.s.bindHost, this.s.bindPort);
      return listening;
    });
    const { target, auth } = await launching;
    const frontend = this.frontend as Frontend;
    frontend.setRunning(target, auth, `${this.title} is running.`);
    this.running = activityReader(this.s.spec.activity?.source ?? 'traffic', target, auth);
    await this.goLive(await listening);
  }

  private openFrontend(): Frontend {
    const cert = generateCertificate({ altNames: [this.s.advertisedHost, os.hostname()] });
    this.fingerprint = cert.fingerprint;
    this.frontend = new Frontend({
      secret: this.s.secret,
      prefix: this.s.spec.prefix,
      ...cert,
      log: this.log,
    });
    return this.frontend;
  }

  /** Sends `ready` for the listening frontend (retried until the hub answers), starts heartbeats. */
  private async goLive(port: number): Promise<void> {
    const frontend = this.frontend as Frontend;
    const ready = { host: this.s.advertisedHost, port, fingerprint: this.fingerprint };
    this.log.info('listening', { bind: this.s.bindHost, ...ready });
    const answer = await this.sendInOrder('ready', ready, { signal: this.abort.signal });
    if (this.ending) return;
    if (!answer.ok) {
      // The hub refused this server (a wrong secret, or it is no longer starting): nobody will
      // ever be routed here, so do not keep the app running until the time limit.
      throw new StartFailure({
        reason: undefined,
        message: `The hub refused the ready message (HTTP ${answer.status ?? '-'}: ${answer.error}).`,
        processExit: 1,
      });
    }
    this.log.info('ready_sent', { host: ready.host, port });
    this.heartbeat = new Heartbeat(
      this.hub,
      this.s.heartbeatMs,
      () => frontend.lastActivity,
      () =>
        void this.stop({
          // Nothing to tell a hub that does not know this server.
          reason: undefined,
          message: `The hub no longer knows this server; ${this.title} was stopped.`,
          processExit: EXIT_UNKNOWN_SERVER,
        }),
      () => this.running?.() ?? Promise.resolve(undefined),
    );
    this.heartbeat.start();
  }

  /** Serves the picker until a directory is chosen; returns its real absolute path. */
  private async pick(picker: PickerSpec, options: PlaceholderValues['options']): Promise<string> {
    this.progress('Setting up the encrypted connection');
    const frontend = this.openFrontend();
    const phase = await openPickerPhase(frontend, picker, {
      home: this.s.home,
      appTitle: this.title,
      current: options[picker.option],
    }).catch((err: Error) => {
      throw new StartFailure({
        reason: 'app_failed_to_start',
        message: `${this.title} cannot start: ${err.message}.`,
        processExit: 1,
      });
    });
    this.progress(`Waiting for a directory to be chosen for ${this.title}`);
    await this.goLive(await frontend.listen(this.s.bindHost, this.s.bindPort));
    const dir = await abortable(phase.choice, this.abort.signal);
    this.log.info('directory_chosen', { option: picker.option, path: dir });
    return dir;
  }

  /**
   * Starts the app and waits until it answers its ready path (and signs in, for form-login).
   * `whileStarting` runs as soon as the app's process is spawned; its promise is awaited (and its failure
   * ends the start) alongside the wait.
   */
  private async launch(
    options: PlaceholderValues['options'],
    whileStarting: () => Promise<unknown> = () => Promise.resolve(),
  ): Promise<{ target: AppTarget; auth: AppAuth }> {
    const spec = this.s.spec;
    const { argv, env, target, auth } = await prepareLaunch({
      spec,
      options,
      token: this.token,
      workdir: this.workdir as string,
      user: this.s.user,
      env: process.env,
      agentScript: process.argv[1] as string,
    });
    // Never start an app that nobody would stop.
    if (this.ending) throw this.abort.signal.reason;
    this.progress(`Starting ${this.title}`);
    this.log.info('app_starting', { argv, listen: target.describe() });
    const app = new AppProcess(argv, env, this.output);
    this.app = app;
    app.ended.then((end) => this.onAppEnded(end, argv[0] as string, env.PATH));
    this.log.info('app_started', { pid: app.pid });

    this.progress(`Waiting for ${this.title} to answer`);
    let last: ProbeResult | undefined;
    const [ok] = await Promise.all([
      waitUntilReady(
        target,
        auth,
        spec.readyPath,
        Date.now() + spec.startTimeoutSeconds * 1000,
        this.abort.signal,
        (r) => {
          last = r;
        },
      ),
      whileStarting(),
    ]);
    if (this.abort.signal.aborted) throw this.abort.signal.reason;
    if (!ok) {
      const why = last && !last.ok ? ` (last attempt: ${last.why})` : '';
      throw new StartFailure({
        reason: 'app_failed_to_start',
        message: withOutput(
          `${this.title} did not answer ${spec.readyPath} within ${spec.startTimeoutSeconds} s${why}.`,
          this.output.lastLines(),
        ),
        processExit: 1,
      });
    }
    try {
      await auth.signIn(target);
    } catch (err) {
      throw new StartFailure({
        reason: 'app_failed_to_start',
        message: withOutput(`${this.title} answers, but ${(err as Error).message}.`, this.output.lastLines()),
        processExit: 1,
      });
    }
    this.log.info('app_ready', { status: last?.ok ? last.status : undefined });
    return { target, auth };
  }

  private onAppEnded(end: AppEnd, command: string, path: string | undefined): void {
    if (this.ending) return; // we stopped it
    if (end.kind === 'spawn-error') {
      const code = end.error.code;
      if (code === 'ENOENT')
        void this.stop({
          reason: 'app_not_found',
          message: `${this.title} cannot start: the command ${command} was not found (PATH=${path ?? ''}). Load the module or environment that provides it, e.g. in your custom script.`,
          processExit: 127,
        });
      else
        void this.stop({
          reason: code === 'EACCES' ? 'app_not_found' : 'app_failed_to_start',
          message: `${this.title} cannot start: running ${command} failed (${code ?? end.error.message}).`,
          processExit: 126,
        });
      return;
    }
    const code = exitCodeOf(end);
    const how = end.signal ? `was killed by ${end.signal}` : `exited with code ${code}`;
    void this.stop({
      reason: 'app_exited',
      message: withOutput(`${this.title} ${how}.`, this.output.lastLines()),
      appExitCode: code,
      processExit: Math.min(code, 255),
    });
  }

  /** Ends the agent once, whatever asked first. */
  private async stop(ending: Ending): Promise<void> {
    if (this.ending) return;
    this.ending = ending;
    this.abort.abort(new Error('stopping'));
    this.heartbeat?.stop();
    this.frontend?.setPhase('failed', ending.message);
    this.log.info('stopping', { reason: ending.reason, message: ending.message });
    const body = {
      reason: ending.reason,
      message: ending.message.slice(0, 4000),
      ...(ending.appExitCode === undefined ? {} : { exit_code: ending.appExitCode }),
    };
    const told =
      ending.reason === undefined
        ? Promise.resolve()
        : this.hub.send('stopping', body, { deadline: Date.now() + GRACE_MS, attempts: 8 });
    await Promise.allSettled([told, this.app?.stop(GRACE_MS)]);
    await this.frontend?.close().catch((err: unknown) => this.log.warn('close_failed', { error: err }));
    if (this.workdir)
      await removeWorkdir(this.workdir).catch((err: unknown) =>
        this.log.warn('cleanup_failed', { error: err }),
      );
    this.log.info('exit', { code: ending.processExit });
    this.finish(ending.processExit);
  }

  /** A progress message, sent after the ones before it (best effort: a few attempts). */
  private progress(message: string): void {
    this.log.info('progress', { message });
    void this.sendInOrder(
      'progress',
      { message: message.slice(0, 500) },
      { attempts: 4, signal: this.abort.signal },
    );
  }

  private sendInOrder(kind: HubMessage, body: object, opts: SendOptions): Promise<HubAnswer> {
    const sent = this.inOrder.then(() => this.hub.send(kind, body, opts));
    this.inOrder = sent.catch(() => undefined);
    return sent;
  }
}
