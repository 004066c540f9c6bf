// `auth.account_map`: how a name vouched for by a provider or directory becomes the hub username,
// which with the Slurm spawner is the cluster account the user's jobs run as.
import { Type } from '@sinclair/typebox';
import { section, userList } from './declare.js';

export const AccountMapSection = section(
  'How names from single sign-on become hub usernames (lower-cased in every case).',
  {
    table: userList(
      'Exceptions first: `VALUE: NAME` maps exactly this claim value to this username, e.g. ' +
        '`jane.doe@uni.example: jdoe`.',
    ),
    pattern: Type.String({
      default: '',
      description:
        'A JavaScript regular expression the value must match; its first group (or the whole match) is the ' +
        'username, e.g. `^([a-z0-9]+)@uni\\.example$`. A value that does not match cannot sign in. Empty: no pattern.',
    }),
    strip_domains: userList(
      'Domains removed from the end of a value (`jdoe@uni.example` → `jdoe`). Only these: a value from another ' +
        'domain keeps its `@` and is refused, so nobody becomes `jdoe` by registering `jdoe@elsewhere`.',
    ),
  },
);
