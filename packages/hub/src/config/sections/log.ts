// The `log` section: how much the hub logs, and in which form.
import { oneOf, section } from './declare.js';

export const LogSection = section('Logging.', {
  level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
    default: 'info',
    description: 'Least severe level that is logged.',
  }),
  format: oneOf(['auto', 'json', 'pretty'] as const, {
    default: 'auto',
    description:
      'How log lines are written. `json`: one JSON object per line, for journald, files and log ' +
      'collectors. `pretty`: coloured, human-readable lines. `auto`: `pretty` when the output is a ' +
      'terminal, `json` otherwise. Secrets are redacted in both.',
  }),
});
