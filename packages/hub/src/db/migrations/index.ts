// Every migration, listed here rather than found by scanning a folder, so the bundled hub
// carries them. Names sort in the order they run: add the next one as 0002_<what>.
import type { Migration } from 'kysely';
import type { Engine } from '../url.js';
import { initial } from './0001_initial.js';
import { shares } from './0002_shares.js';
import { spawnChoices } from './0003_spawn_choices.js';
import { startLine } from './0004_start_line.js';
import { shareCodes } from './0005_share_codes.js';
import { sessionIdToken } from './0006_session_id_token.js';
import { limitEnds } from './0007_limit_ends.js';
import { presets } from './0008_presets.js';
import { usage } from './0009_usage.js';
import { usageSummaries } from './0010_usage_summaries.js';
import { usageUserIds } from './0011_usage_user_ids.js';

export function migrationsFor(engine: Engine): Record<string, Migration> {
  return {
    '0001_initial': initial(engine),
    '0002_shares': shares(engine),
    '0003_spawn_choices': spawnChoices(engine),
    '0004_start_line': startLine(engine),
    '0005_share_codes': shareCodes(engine),
    '0006_session_id_token': sessionIdToken(engine),
    '0007_limit_ends': limitEnds(engine),
    '0008_presets': presets(engine),
    '0009_usage': usage(engine),
    '0010_usage_summaries': usageSummaries(),
    '0011_usage_user_ids': usageUserIds(engine),
  };
}
