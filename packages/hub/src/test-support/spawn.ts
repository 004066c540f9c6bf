// Spawn requests for spawner tests: a job that just sleeps instead of running the agent.
import type { SpawnAccount, SpawnRequest } from '../spawn/spawner.js';

export function sleepingRequest(serverId: number, account: SpawnAccount, seconds = 300): SpawnRequest {
  return {
    serverId,
    account,
    serverName: `s${serverId}`,
    appId: 'sleep',
    resources: {},
    job: {
      hubUrl: 'http://127.0.0.1:1/hub/api/agent',
      serverId,
      secret: 'not-a-real-secret',
      spec: {
        app: 'sleep',
        command: ['sleep'],
        env: {},
        listen: 'tcp',
        prefix: `/user/${account.name}/s${serverId}/`,
        prefixMode: 'keep',
        readyPath: '/',
        appAuth: { kind: 'none' },
        startTimeoutSeconds: 60,
        options: {},
      },
      customScript: '.no-such-script',
      modules: [],
      pathPrepend: [],
      // The "agent" is sleep(1): the job runs until it is stopped.
      nodePath: '/bin/sleep',
      agentPath: String(seconds),
    },
  };
}
