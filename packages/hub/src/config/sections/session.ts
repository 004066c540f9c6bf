// The `session` section: how long a browser login lasts and how its cookie is marked.
import { Type } from '@sinclair/typebox';
import { oneOf, section } from './declare.js';

export const SessionSection = section('Browser sessions.', {
  max_age_seconds: Type.Integer({
    minimum: 60,
    default: 1209600,
    description: 'How long a login lasts, in seconds (default 14 days).',
  }),
  cookie_secure: oneOf(['auto', 'always', 'never'], {
    default: 'auto',
    description:
      'Whether the session cookie is marked Secure. `auto` marks it when the request came over ' +
      'HTTPS (directly, or through a proxy that says so).',
  }),
});
