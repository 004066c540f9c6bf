// The test job of `hpchub doctor`: the job script every spawner renders, with the agent started
// as `hpchub-agent --probe`. Instead of an app it checks, from where real jobs run, what a
// server's start depends on — Node.js runs the agent bundle, the hub URL answers and is an
// hpchub hub, the node's clock agrees with the hub's — prints what it found to the job's log and
// exits with one of the codes below. The exit code is all the doctor needs: every spawner
// reports it (a local process's status, Slurm's ExitCode), so no extra channel from the job back
// to the doctor is needed, and the doctor needs no right to read the user's files.
import { type Static, Type } from '@sinclair/typebox';

/** Path of the hub's answer to a probe, relative to the agent API's base URL (HPCHUB_AGENT_HUB_URL). */
export const PROBE_PATH = '/probe';

/** What the hub answers at PROBE_PATH: who it is and its clock (ISO 8601 with milliseconds). */
export const ProbeAnswerSchema = Type.Object(
  { hub: Type.Literal('hpchub'), version: Type.String(), time: Type.String({ format: 'date-time' }) },
  { additionalProperties: false },
);
export type ProbeAnswer = Static<typeof ProbeAnswerSchema>;

/** Largest difference between the job node's clock and the hub's that the probe accepts. */
export const PROBE_MAX_SKEW_SECONDS = 10;

/** Oldest Node.js major version the agent supports. */
export const AGENT_MIN_NODE_MAJOR = 20;

/**
 * Exit codes of the probe job. Besides these: 126/127 from the shell when Node.js is not
 * executable or not there, and 1 when Node.js could not run the agent at all.
 */
export const PROBE_EXIT = {
  ok: 0,
  /** The job script could not read the agent bundle. */
  agentUnreadable: 75,
  /** Node.js is older than AGENT_MIN_NODE_MAJOR. */
  nodeTooOld: 70,
  /** No answer from the hub URL (refused, timed out, unknown host). */
  hubUnreachable: 71,
  /** Something answered at the hub URL, but not an hpchub hub's probe answer. */
  notAHub: 72,
  /** The hub URL is https and its certificate was not accepted. */
  hubTls: 73,
  /** The node's clock differs from the hub's by more than PROBE_MAX_SKEW_SECONDS. */
  clockSkew: 74,
} as const;
