// The `modules` section: the nodes' environment modules (Lmod or Environment Modules) — how jobs
// and the hub get the `module` command, and which module names users may ask for.
import { MODULE_NAME_MAX, MODULE_NAME_PATTERN } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import { oneOf, section } from './declare.js';

const PLAIN_PATH = '^/[A-Za-z0-9._@+/-]+$';

export const ModulesSection = section(
  'Environment modules (Lmod or Environment Modules): how jobs get the `module` command, and which modules users may ask for.',
  {
    init_file: Type.String({
      default: '',
      pattern: `^(|${PLAIN_PATH.slice(1, -1)})$`,
      errorMessage: 'empty, or an absolute path of letters, digits and . _ @ + - /',
      description:
        'The file that makes `module` available, sourced by every job (a batch job is no login shell and ' +
        'reads no /etc/profile.d) and by the hub when it lists the modules, e.g. `/etc/profile.d/lmod.sh` or ' +
        '`/usr/share/modules/init/bash`. Empty: the first readable of `/etc/profile.d/lmod.sh`, ' +
        '`/etc/profile.d/z00_lmod.sh`, `/etc/profile.d/modules.sh`, `/usr/share/lmod/lmod/init/profile`, ' +
        '`/usr/share/lmod/lmod/init/bash`, `/usr/share/Modules/init/bash`, `/usr/share/modules/init/bash`.',
    }),
    init_when: oneOf(['used', 'always'] as const, {
      default: 'used',
      description:
        '`used`: a job that loads modules or adds `modules.use` trees sources the init file before ' +
        'anything else; a job with nothing to load does not, and `module` and `ml` are shell functions ' +
        'that source it on their first call, in the custom script or in the app’s shells (a JupyterLab ' +
        'terminal): this spares every such start the init file’s cost (tens of milliseconds; Lmod’s ' +
        'profile runs a dozen processes). The variables the init file sets (`MODULEPATH`, `LMOD_*`, ' +
        '`BASH_ENV`) are then set only once `module` was used. `always`: every job sources it up front, ' +
        'so they reach every app, as with a login shell.',
    }),
    use: Type.Array(
      Type.String({
        pattern: PLAIN_PATH,
        errorMessage: 'an absolute path of letters, digits and . _ @ + - /',
      }),
      {
        default: [],
        maxItems: 32,
        description:
          'Module trees (directories) that jobs, and the hub when it lists the modules, add with ' +
          '`module use` besides those the init file sets, e.g. `/cluster/apps/modulefiles`.',
      },
    ),
    names: oneOf(['known', 'pattern'] as const, {
      default: 'known',
      description:
        '`known`: users may ask only for modules the module system lists (`module -t avail`; with Lmod ' +
        '`module -t spider`, which uses Lmod’s spider cache where the site keeps one), as full names ' +
        '(`gcc/12.2.0`) or names without a version (`gcc`). `pattern`: any name that matches ' +
        '`modules.pattern`, for sites whose modules the hub’s machine cannot list. While no list could be ' +
        'made yet, `known` checks the pattern only (a name the module system does not know then fails the ' +
        'start with its own message).',
    }),
    pattern: Type.String({
      default: MODULE_NAME_PATTERN,
      minLength: 1,
      maxLength: 500,
      description:
        `A regular expression every module name a user gives must match (whole name). Whatever it allows, ` +
        `names are also held to \`/\`-separated parts of letters, digits and \`. _ + -\`, none starting ` +
        `with \`.\` or \`-\`, at most ${MODULE_NAME_MAX} characters.`,
    }),
    max_count: Type.Integer({
      minimum: 1,
      maximum: 32,
      default: 16,
      description: 'The most modules a user may ask for in one server.',
    }),
    max_length: Type.Integer({
      minimum: 1,
      maximum: MODULE_NAME_MAX,
      default: 100,
      description: 'The longest module name a user may give, in characters.',
    }),
    field_label: Type.String({
      default: 'Other software',
      minLength: 1,
      maxLength: 80,
      description:
        'The label of the spawn form’s field where users list modules to load (remembered per user and app, ' +
        'with suggestions from the modules the hub listed).',
    }),
    field_apps: Type.Array(
      Type.String({ pattern: '^(\\*|[a-z][a-z0-9-]{0,39})$', errorMessage: 'an app id or *' }),
      {
        default: ['*'],
        maxItems: 64,
        description:
          'The apps whose spawn form has that field, by catalog id; `*` is every app, `[]` none. For an app ' +
          'without it, the `modules` option of a start is refused (the app’s own `modules` are still loaded).',
      },
    ),
    refresh_seconds: Type.Integer({
      minimum: 60,
      maximum: 7 * 86400,
      default: 3600,
      description:
        'How often the hub lists the available modules again, in the background (the last list ' +
        'serves meanwhile).',
    }),
    list_timeout_seconds: Type.Integer({
      minimum: 1,
      maximum: 600,
      default: 120,
      description: 'How long listing the modules may take before the hub gives up until the next time.',
    }),
  },
);
