// The `presets` section: start settings the site offers everyone, besides those users save.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const PresetsSection = section('Presets: saved start settings that users start from with one click.', {
  file: Type.String({
    default: '',
    description:
      'A YAML file of presets shown to every user (like KubeSpawner’s profiles): a list of entries with ' +
      '`id`, `title`, `description`, `app` and `options` (the spawn form’s values, e.g. `cores: 4`). Their ' +
      'values are checked against each user’s form when used. Empty: only the presets users save.',
  }),
  max_per_user: Type.Integer({
    minimum: 0,
    maximum: 1000,
    default: 50,
    description: 'The most presets one user may save.',
  }),
});
