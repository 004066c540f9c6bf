// Sets up the picker phase on the agent's frontend: opens the root (relative to $HOME), starts
// listing where the app's option already points when that is inside the root, and resolves
// `choice` with the real path of the directory the user chooses — once.
import path from 'node:path';
import type { Frontend } from '../frontend.js';
import { DirectoryTree, pickerRootPath } from './directories.js';

export interface PickerSpec {
  option: string;
  root: string;
  title: string;
}

export interface PickerPhase {
  /** The chosen directory's real absolute path. */
  choice: Promise<string>;
}

/** Throws when the root cannot be opened (the message names it). */
export async function openPickerPhase(
  frontend: Frontend,
  picker: PickerSpec,
  opts: { home: string; appTitle: string; current: string | number | boolean | undefined },
): Promise<PickerPhase> {
  const rootPath = pickerRootPath(picker.root, opts.home);
  const tree = await DirectoryTree.open(rootPath).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`the directory ${rootPath} to choose from cannot be opened (${err.code ?? err.message})`);
  });
  const fromRoot =
    typeof opts.current === 'string' ? path.relative(rootPath, pickerRootPath(opts.current, opts.home)) : '';
  const start =
    fromRoot === '' || fromRoot.startsWith('..') || path.isAbsolute(fromRoot)
      ? ''
      : await tree.resolve(fromRoot).then(
          (d) => d.path,
          () => '',
        );

  let resolveChoice: (dir: string) => void = () => {};
  const choice = new Promise<string>((resolve) => {
    resolveChoice = resolve;
  });
  let picked = false;
  const starting = `Starting ${opts.appTitle}…`;
  frontend.picker = {
    tree,
    page: { title: picker.title, appTitle: opts.appTitle, rootLabel: picker.root || '~' },
    start,
    canChoose: () => !picked,
    choose: (dir) => {
      picked = true;
      frontend.setPhase('starting', starting);
      resolveChoice(dir);
      return starting;
    },
  };
  frontend.setPhase('picking', `Choose a directory for ${opts.appTitle}.`);
  return { choice };
}
