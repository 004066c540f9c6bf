// The sign-in page: "Sign in with {provider}" when single sign-on is set up, the password form
// unless it is switched off, and beside them the news (maintenance notices are in the banner).
import { html, type SafeHtml } from '../../ui/html.js';

export interface LoginView {
  username: string;
  next: string;
  xsrf: string;
  error?: string | undefined;
  /** The news panel, shown before sign-in. */
  news: SafeHtml;
  /** The single sign-on provider, when there is one. */
  sso: { name: string } | null;
  /** Whether the username and password form is offered (`auth.password_login`). */
  passwordLogin: boolean;
}

function ssoButton(view: LoginView) {
  if (!view.sso) return '';
  const href = `/hub/oidc/login?next=${encodeURIComponent(view.next)}`;
  return html`<p><a class="button sso" id="sso-login" href="${href}">Sign in with ${view.sso.name}</a></p>
    ${view.passwordLogin ? html`<p class="muted">or with a username and password:</p>` : ''}`;
}

function passwordForm(view: LoginView) {
  if (!view.passwordLogin) return '';
  return html`<form method="post" action="/hub/login" novalidate>
      <input type="hidden" name="_xsrf" value="${view.xsrf}">
      <input type="hidden" name="next" value="${view.next}">
      <label for="username">Username</label>
      <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none"
        spellcheck="false" required autofocus value="${view.username}">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit">Sign in</button>
    </form>`;
}

export function loginBody(view: LoginView) {
  return html`<div class="login-layout${view.news.value ? ' with-news' : ''}"><section class="panel narrow login-box" aria-labelledby="login-title">
    <h1 id="login-title">Sign in</h1>
    ${view.error ? html`<div class="alert error" role="alert" id="login-error">${view.error}</div>` : ''}
    ${ssoButton(view)}
    ${passwordForm(view)}
  </section>${view.news}</div>`;
}
