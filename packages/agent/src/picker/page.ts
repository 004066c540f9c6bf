// The directory picker's HTML page. Every value in it is escaped; it has no inline script or
// style (the Content-Security-Policy forbids both): behaviour comes from picker.js, which
// builds the list with textContent only.

import { escapeHtml } from '@hpchub/protocol';

/** Sent with the page and the assets: nothing but this origin's script, style and fetches. */
export const PICKER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface PickerPage {
  /** The picker's title from the spec ("Choose the log directory"). */
  title: string;
  /** The app's name ("TensorBoard"). */
  appTitle: string;
  /** The root as the user knows it (`~/runs`). */
  rootLabel: string;
}

export function renderPickerPage(p: PickerPage): string {
  const title = escapeHtml(p.title);
  const app = escapeHtml(p.appTitle);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="picker.css">
</head>
<body>
<main id="picker" data-app="${app}">
<h1>${title}</h1>
<p class="hint">Browse to a directory inside <code>${escapeHtml(p.rootLabel)}</code> and choose it; ${app} then starts with it.</p>
<section id="browse">
<nav id="crumbs" aria-label="Current directory"></nav>
<div class="controls">
<label><input type="checkbox" id="hidden"> Show hidden directories</label>
<button id="use" type="button">Use current directory</button>
</div>
<ul id="dirs" aria-label="Directories"></ul>
</section>
<p id="status" role="status" aria-live="polite"></p>
</main>
<script src="picker.js"></script>
</body>
</html>
`;
}
