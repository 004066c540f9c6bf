// The `apps` section: the app catalog users choose from.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const AppsSection = section(
  'The app catalog: which apps users can start, and where site-specific definitions come from.',
  {
    enabled: Type.Array(Type.String({ minLength: 1 }), {
      default: ['jupyterlab', 'notebook', 'code-server', 'tensorboard', 'rstudio'],
      description: 'Catalog ids offered to users, in this order (built-in ids or ids from `apps.file`).',
    }),
    file: Type.String({
      default: '',
      description:
        'A YAML file with app definitions that add to or replace the built-in ones (see docs/apps.md). Empty: built-ins only.',
    }),
    install_jupyter: Type.Boolean({
      default: true,
      description:
        'With the local spawner: when JupyterLab is not found on the jobs’ PATH, install JupyterLab and ' +
        'Notebook from PyPI into `<data_dir>/venv` at start (once, about a minute), so a first ' +
        '`npm start` can run notebooks. Sites with their own Jupyter installation turn this off.',
    }),
  },
);
