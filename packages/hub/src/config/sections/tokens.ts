// The `tokens` section: limits on API tokens.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const TokensSection = section('API tokens.', {
  max_expires_in_seconds: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'Longest lifetime a user may give a new token, in seconds; 0 means no maximum.',
  }),
});
