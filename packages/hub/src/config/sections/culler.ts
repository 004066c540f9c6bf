// The `culler` section: the built-in idle culler and how often agents report activity. An app
// definition may override the four policy keys for its own servers (`cull` in docs/apps.md).
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const CullerSection = section(
  'The built-in idle culler: servers nobody uses are stopped, so their cores, memory and GPUs go back to the queue. See docs/culling.md.',
  {
    enabled: Type.Boolean({
      default: true,
      description:
        'Whether the hub stops idle servers (and servers past `max_age_seconds`). On by default: an ' +
        'idle server holds resources other users queue for. An app may turn it off for its servers (`cull.enabled`).',
    }),
    idle_timeout_seconds: Type.Integer({
      minimum: 60,
      maximum: 31536000,
      default: 7200,
      description:
        'A server with no activity for this long is stopped (end reason `idle_cull`). Two hours by default: ' +
        'long enough for a meeting or lunch, since a culled server costs its user another wait in the queue; ' +
        'short enough that a forgotten server does not hold a node for the rest of its time limit.',
    }),
    busy_kernels_active: Type.Boolean({
      default: true,
      description:
        'Whether a kernel that is computing counts as activity, browser or not (Jupyter apps). On by ' +
        'default: a computation left to run overnight is work, and the Slurm time limit bounds it anyway. ' +
        'External cullers see the same `last_activity`, so this holds for them too.',
    }),
    max_age_seconds: Type.Integer({
      minimum: 0,
      maximum: 31536000,
      default: 0,
      description:
        'Servers running longer than this are stopped whatever their activity. 0 (the default): no ' +
        'maximum, because Slurm’s time limit already bounds every job; useful with the local spawner.',
    }),
    interval_seconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 60,
      description:
        'How often the culler looks at every running server. A server is stopped at most this long ' +
        'after its timeout passed.',
    }),
    report_seconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 60,
      description:
        'How often the agent in each job reports the app’s activity (Jupyter’s kernels and last ' +
        'activity, code-server’s heartbeat, traffic) to the hub.',
    }),
  },
);
