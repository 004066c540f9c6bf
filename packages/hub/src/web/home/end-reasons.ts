// How the end of a server reads for its owner, one sentence per recorded end_reason
// (spawn/servers-store.ts), with the detail the spawner gave where it says more.

export function endSentence(reason: string | null, detail: string | null): string {
  switch (reason) {
    case 'user_stop':
      return 'stopped by you';
    case 'admin_stop':
      return 'stopped by an administrator';
    case 'start_failure':
      return detail ? `failed to start: ${detail}` : 'failed to start';
    case 'time_limit':
      return 'ended: time limit reached';
    case 'node_failure':
      return 'ended: the compute node failed';
    case 'exited':
      return detail ? `ended: ${detail}` : 'ended: the app exited';
    case 'cancelled':
      return 'ended: cancelled';
    case 'idle_cull':
      // The culler's detail completes the sentence: "2 h idle", "12 h, the longest a server may run".
      return detail ? `stopped after ${detail}` : 'stopped after being idle';
    default:
      return detail ? `ended: ${detail}` : 'ended';
  }
}
