// The apps hpchub ships. Each is plain data of the same shape a site's apps file uses, so a site
// can replace any of them (say, to load a module or use its own image) without code.
import type { AppDefinition } from './definition.js';
import { RSTUDIO } from './rstudio.js';

const jupyterCommand = (binary: string) => [
  binary,
  '--no-browser',
  // A socket in the job's private 0700 directory: nothing else on the node can connect.
  '--ServerApp.sock={socket}',
  '--ServerApp.sock_mode=0600',
  '--ServerApp.base_url={prefix}',
  '--ServerApp.trust_xheaders=True',
  // Requests arrive with the hub's Host name, which Jupyter would otherwise refuse as remote.
  '--ServerApp.allow_remote_access=True',
];

const JUPYTERLAB: AppDefinition = {
  id: 'jupyterlab',
  title: 'JupyterLab',
  description: 'Notebooks, consoles, terminals and a file browser in one web IDE.',
  icon: 'jupyter.svg',
  command: jupyterCommand('jupyter-lab'),
  // A token only the agent knows, which it adds to every request it forwards; in the
  // environment, not the command line, where every user of the node could read it with ps.
  env: { JUPYTER_TOKEN: '{token}' },
  listen: 'unix',
  prefix: 'keep',
  ready_path: '/api/status',
  app_auth: { kind: 'token-header' },
  // Jupyter Server says when it was last used and whether a kernel is computing.
  activity: 'jupyter',
  modules: [],
  custom_script: '~/.jupyterlabrc',
  fields: [],
};

const NOTEBOOK: AppDefinition = {
  ...JUPYTERLAB,
  id: 'notebook',
  title: 'Jupyter Notebook',
  description: 'The classic single-document notebook interface.',
  command: jupyterCommand('jupyter-notebook'),
  custom_script: '~/.jupyternotebookrc',
};

const CODE_SERVER: AppDefinition = {
  id: 'code-server',
  title: 'code-server',
  description: 'Visual Studio Code in the browser.',
  icon: 'code-server.svg',
  // Listening on a 0600 socket in the job's private directory replaces a password: no other user
  // on the node can connect at all, and the agent in front checks the hub's secret.
  command: [
    'code-server',
    '--socket={socket}',
    '--socket-mode=600',
    '--auth=none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    // Otherwise code-server writes a config file with a generated password into the user's home.
    '--config=/dev/null',
  ],
  env: {},
  listen: 'unix',
  // code-server serves from / and builds relative links, so the agent strips the prefix.
  prefix: 'strip',
  ready_path: '/healthz',
  app_auth: { kind: 'none' },
  // /healthz tells code-server's last heartbeat, which moves while a browser is connected.
  activity: 'code-server',
  modules: [],
  custom_script: '~/.codeserverrc',
  fields: [],
};

const TENSORBOARD: AppDefinition = {
  id: 'tensorboard',
  title: 'TensorBoard',
  description: 'Visualise training runs from a log directory you choose.',
  icon: 'tensorboard.svg',
  command: [
    'tensorboard',
    '--logdir={option:logdir}',
    // TensorBoard cannot listen on a socket, and has no sign-in: loopback only, in a network
    // namespace of its own (network: isolated, the default), behind the agent.
    '--host=127.0.0.1',
    '--port={port}',
    '--path_prefix={prefix_path}',
  ],
  env: {},
  listen: 'tcp',
  prefix: 'keep',
  ready_path: '/data/environment',
  app_auth: { kind: 'none' },
  modules: [],
  custom_script: '~/.tensorboardrc',
  fields: [
    {
      name: 'logdir',
      type: 'home_path',
      label: 'Log directory',
      help: 'The directory with your event files; you choose it in a directory browser when the server starts.',
      default: '.',
      picker: true,
    },
  ],
};

export const BUILTIN_APPS: readonly AppDefinition[] = [
  JUPYTERLAB,
  NOTEBOOK,
  CODE_SERVER,
  TENSORBOARD,
  RSTUDIO,
];
