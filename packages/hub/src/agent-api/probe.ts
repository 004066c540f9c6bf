// What the test job of `hpchub doctor` asks the hub (`hpchub-agent --probe`, see
// @hpchub/protocol's probe.ts): that this is an hpchub hub, and its clock, so the job can tell
// whether the hub URL it was given reaches this hub and whether its node's clock agrees. Public
// like the rest of the agent API's entry points: it says nothing /hub/api does not (the version).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PROBE_PATH, type ProbeAnswer, ProbeAnswerSchema } from '@hpchub/protocol';

export const probeRoutes: FastifyPluginAsyncTypebox<{ version: string }> = async (app, { version }) => {
  app.get(
    PROBE_PATH,
    {
      config: { access: { kind: 'public' } },
      schema: {
        summary: 'Agent: the hub and its clock, for the test job of `hpchub doctor`',
        tags: ['agent'],
        response: { 200: ProbeAnswerSchema },
      },
    },
    async (): Promise<ProbeAnswer> => ({ hub: 'hpchub', version, time: new Date().toISOString() }),
  );
};
