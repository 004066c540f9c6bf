// The `usage` section: how usage statistics count.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const UsageSection = section('Usage statistics (the admin page, the API, the home page).', {
  time_zone: Type.String({
    default: '',
    description:
      'Time zone whose days, weeks (Monday to Sunday) and months the statistics count in, as an IANA name such as `Europe/Zurich`; empty: the time zone of the machine the hub runs on. The usage summaries count in it: after a change, the next start rebuilds them from the usage records before it serves.',
  }),
});
