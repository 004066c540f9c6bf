// Reads and validates everything the agent is started with: the variables of AGENT_ENV (hub
// URL, secret, server id, launch spec) and the optional AGENT_TUNING_ENV. The spec is checked
// against the shared closed schema, then for placeholders the agent could not fill; every
// problem is collected, so one run of a broken job script shows all of them.
import os from 'node:os';
import path from 'node:path';
import { AGENT_ENV, AGENT_TUNING_ENV, type AgentLaunchSpec, AgentLaunchSpecSchema } from '@hpchub/protocol';
import { Errors } from '@sinclair/typebox/errors';
import { Check } from '@sinclair/typebox/value';
import { AppFileError, appFilePath } from './app-files.js';
import { type JobReport, readJobReport } from './job-report.js';
import { fillPlaceholders, PlaceholderError } from './placeholders.js';

export interface AgentSettings {
  hubUrl: URL;
  /** Lower-case hex SHA-256 of the hub's certificate to pin, when set. */
  hubFingerprint: string | undefined;
  secret: string;
  serverId: string;
  spec: AgentLaunchSpec;
  bindHost: string;
  bindPort: number;
  /** The host sent in `ready`. */
  advertisedHost: string;
  heartbeatMs: number;
  /** The user's home directory: the picker's root is relative to it. */
  home: string;
  /** The login name the agent runs as, for `{user}`. */
  user: string;
  /** What the job script did before the agent: modules loaded, or why the start failed. */
  job: JobReport;
}

/** What is needed to tell the hub that the agent cannot start (when that much is valid). */
export type HubContact = Pick<AgentSettings, 'hubUrl' | 'hubFingerprint' | 'secret' | 'serverId'>;

export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    readonly problems: string[],
    readonly hub: HubContact | undefined,
  ) {
    super(`hpchub-agent cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** `AB:CD:…` or hex, to lower-case hex; null when malformed. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/:/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

export function readSettings(env: NodeJS.ProcessEnv): AgentSettings {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      problems.push(`${name} is not set`);
      return '';
    }
    return value;
  };

  const hubUrlText = required(AGENT_ENV.hubUrl);
  let hubUrl = new URL('http://invalid.invalid/');
  if (hubUrlText !== '') {
    try {
      hubUrl = new URL(hubUrlText);
      if (hubUrl.protocol !== 'http:' && hubUrl.protocol !== 'https:')
        problems.push(`${AGENT_ENV.hubUrl} must be an http or https URL`);
    } catch {
      problems.push(`${AGENT_ENV.hubUrl} is not a URL`);
    }
  }

  let hubFingerprint: string | undefined;
  const fpText = env[AGENT_ENV.hubFingerprint];
  if (fpText !== undefined && fpText !== '') {
    hubFingerprint = normalizeFingerprint(fpText) ?? undefined;
    if (hubFingerprint === undefined)
      problems.push(`${AGENT_ENV.hubFingerprint} must be a SHA-256 fingerprint (64 hex digits)`);
  }

  const secret = required(AGENT_ENV.secret);
  // Never echo the value: only say what is wrong with it.
  if (secret !== '' && (secret.length < 16 || /[\s]/.test(secret)))
    problems.push(`${AGENT_ENV.secret} must be at least 16 characters without white space`);

  const serverId = required(AGENT_ENV.serverId);
  if (serverId !== '' && !/^[A-Za-z0-9_-]{1,64}$/.test(serverId))
    problems.push(`${AGENT_ENV.serverId} must be the server's id (letters, digits, _ or -)`);

  const contactProblems = problems.length;
  const spec = parseSpec(required(AGENT_ENV.spec), problems);

  const bindHost = env[AGENT_TUNING_ENV.bind] || '0.0.0.0';
  const bindPort = integerEnv(env, AGENT_TUNING_ENV.port, 0, 0, 65535, problems);
  // The hub says how often it wants to hear (the spec); the environment may say otherwise (tests).
  const heartbeatSeconds = numberEnv(
    env,
    AGENT_TUNING_ENV.heartbeatSeconds,
    spec?.activity?.reportSeconds ?? 60,
    problems,
  );
  const info = os.userInfo();
  const home = env.HOME || info.homedir;
  if (!path.isAbsolute(home)) problems.push(`HOME must be an absolute path, not ${JSON.stringify(home)}`);

  if (problems.length > 0) {
    const contact = contactProblems === 0 ? { hubUrl, hubFingerprint, secret, serverId } : undefined;
    throw new SettingsError(problems, contact);
  }
  return {
    hubUrl,
    hubFingerprint,
    secret,
    serverId,
    spec: spec as AgentLaunchSpec,
    bindHost,
    bindPort,
    advertisedHost: env[AGENT_TUNING_ENV.host] || os.hostname(),
    heartbeatMs: Math.round(heartbeatSeconds * 1000),
    home,
    user: info.username,
    job: readJobReport(env),
  };
}

function parseSpec(text: string, problems: string[]): AgentLaunchSpec | undefined {
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    problems.push(`${AGENT_ENV.spec} is not JSON: ${(err as Error).message}`);
    return undefined;
  }
  if (!Check(AgentLaunchSpecSchema, value)) {
    for (const e of Errors(AgentLaunchSpecSchema, value)) {
      problems.push(`${AGENT_ENV.spec}${e.path || ' (root)'}: ${e.message}`);
      if (problems.length > 20) break;
    }
    return undefined;
  }
  checkPlaceholders(value, problems);
  return value;
}

/** Fills every template once with stand-in values, so a bad placeholder fails now, not at launch. */
function checkPlaceholders(spec: AgentLaunchSpec, problems: string[]): void {
  const options = { ...spec.options };
  if (spec.picker) options[spec.picker.option] = '/picked/directory';
  const values = {
    prefix: spec.prefix,
    token: 'token',
    workdir: '/workdir',
    user: 'user',
    options,
    ...(spec.listen === 'tcp' ? { port: 1 } : { socket: '/workdir/app.sock' }),
  };
  const attempt = (where: string, template: string) => {
    try {
      fillPlaceholders(template, values);
    } catch (err) {
      if (!(err instanceof PlaceholderError)) throw err;
      problems.push(`${AGENT_ENV.spec}: ${where}: ${err.message}`);
    }
  };
  for (const [i, arg] of spec.command.entries()) attempt(`command[${i}]`, arg);
  for (const [name, value] of Object.entries(spec.env)) attempt(`env.${name}`, value);
  for (const [i, file] of (spec.files ?? []).entries()) {
    attempt(`files[${i}].path`, file.path);
    if (file.content !== undefined) attempt(`files[${i}].content`, file.content);
    try {
      appFilePath(file, values);
    } catch (err) {
      if (err instanceof PlaceholderError) continue; // reported just above
      if (!(err instanceof AppFileError)) throw err;
      problems.push(`${AGENT_ENV.spec}: files[${i}]: ${err.message}`);
    }
  }
  const auth = spec.appAuth;
  if (auth.kind === 'header') attempt('appAuth.value', auth.value);
  if (auth.kind === 'form-login')
    for (const [name, value] of Object.entries(auth.fields)) attempt(`appAuth.fields.${name}`, value);
  if (spec.command[0] === '') problems.push(`${AGENT_ENV.spec}/command/0: the app's command is empty`);
}

function integerEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

function numberEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 86400) {
    problems.push(`${name} must be a number of seconds above 0 and at most 86400`);
    return fallback;
  }
  return n;
}
