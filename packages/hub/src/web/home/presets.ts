// The home page's presets: the site's and the user's own saved start settings, each started with
// one click (a form posting the preset's values to the spawn form's own POST, so the hub checks
// them as for any start and shows the form with its messages if something no longer fits),
// opened in the form to change first, or deleted (the user's own).
import type { Principal } from '../../auth/scopes.js';
import type { Preset } from '../../presets/rules.js';
import { html, type SafeHtml } from '../../ui/html.js';
import { csrfField } from '../forms.js';
import { resourcesText } from '../servers.js';

function startForm(p: Principal, preset: Preset): SafeHtml {
  const values = Object.entries(preset.options).filter(([k]) => k !== 'app');
  return html`<form class="inline" method="post" action="/hub/spawn/${encodeURIComponent(p.name)}">
    ${csrfField(p)}<input type="hidden" name="form_app" value="${preset.app}"><input type="hidden" name="app" value="${preset.app}">
    ${values.map(([k, v]) => html`<input type="hidden" name="${k}" value="${String(v)}">`)}
    <button type="submit" class="small" aria-label="Start ${preset.title}">Start</button>
  </form>`;
}

export function presetsPanel(
  p: Principal,
  presets: readonly Preset[],
  appTitle: (id: string) => string,
  saved?: string,
): SafeHtml {
  const row = (preset: Preset) => {
    const resources = resourcesText(preset.options);
    return html`<li class="preset" data-preset="${preset.id}">
      <div><strong>${preset.title}</strong>${preset.site ? html` <span class="badge">site</span>` : ''}<br>
        <span class="muted small">${appTitle(preset.app)}${resources ? ` · ${resources}` : ''}</span>
        ${preset.description ? html`<br><span class="small">${preset.description}</span>` : ''}</div>
      <div class="actions">${startForm(p, preset)}
        <a class="button small secondary" href="/hub/spawn/${encodeURIComponent(p.name)}?preset=${encodeURIComponent(preset.id)}" aria-label="Open ${preset.title} in the form">Edit…</a>
        ${
          preset.site
            ? ''
            : html`<form class="inline" method="post" action="/hub/presets/${encodeURIComponent(p.name)}/delete">${csrfField(p)}
              <input type="hidden" name="preset" value="${preset.id}">
              <button type="submit" class="secondary small" aria-label="Delete preset ${preset.title}">Delete</button></form>`
        }</div>
    </li>`;
  };
  return html`<section class="panel" id="presets" aria-labelledby="presets-title">
    <h2 id="presets-title">Presets</h2>
    ${saved ? html`<p class="alert ok" role="status">Preset “${saved}” saved.</p>` : ''}
    ${
      presets.length === 0
        ? html`<p class="muted">No presets yet. In the form for a new server, “Save these settings as a preset” keeps them for a one-click start.</p>`
        : html`<ul class="preset-list">${presets.map(row)}</ul>`
    }
  </section>`;
}
