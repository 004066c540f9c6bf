// The time zone usage statistics count days, weeks and months in (`usage.time_zone`).
import type { HubConfig } from './options.js';

/** Whether `zone` is a time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

let machineZone: string | undefined;

/** `usage.time_zone`, or the machine's own zone when it is empty (asked once: each home page wants it). */
export function usageTimeZone(config: Pick<HubConfig, 'usage'>): string {
  if (config.usage.time_zone) return config.usage.time_zone;
  machineZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone;
  return machineZone;
}
