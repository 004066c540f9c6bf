// The `log` section: how much the hub logs.
import { oneOf, section } from './declare.js';

export const LogSection = section('Logging.', {
  level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
    default: 'info',
    description: 'Least severe level that is logged.',
  }),
});
