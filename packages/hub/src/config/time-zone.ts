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

/** `usage.time_zone`, or the machine's own zone when it is empty. */
export function usageTimeZone(config: Pick<HubConfig, 'usage'>): string {
  return config.usage.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}
