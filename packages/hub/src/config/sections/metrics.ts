// The `metrics` section: the Prometheus metrics at /hub/metrics.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const MetricsSection = section('Prometheus metrics at /hub/metrics.', {
  authenticate: Type.Boolean({
    default: true,
    description:
      'Whether reading /hub/metrics needs an API token with the `read:metrics` scope (or an admin’s); false opens it to anyone who reaches the hub (JupyterHub’s `authenticate_prometheus`).',
  }),
});
