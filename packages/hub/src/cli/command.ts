// What every `hpchub` command is given: the loaded configuration (with warnings and where each
// value came from), its own arguments, and the terminal to talk to. Kept apart from main.ts so
// that the command modules and the dispatcher do not import each other.
import type { HubConfig } from '../config/index.js';
import type { Io } from './io.js';

export interface CommandInput {
  config: HubConfig;
  warnings: string[];
  sources: Record<string, string>;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  io: Io;
}
