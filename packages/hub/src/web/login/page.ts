// The sign-in page.
import { html } from '../html.js';

export interface LoginView {
  username: string;
  next: string;
  xsrf: string;
  error?: string | undefined;
}

export function loginBody(view: LoginView) {
  return html`<section class="panel narrow" aria-labelledby="login-title">
    <h1 id="login-title">Sign in</h1>
    ${view.error ? html`<div class="alert error" role="alert" id="login-error">${view.error}</div>` : ''}
    <form method="post" action="/hub/login" novalidate>
      <input type="hidden" name="_xsrf" value="${view.xsrf}">
      <input type="hidden" name="next" value="${view.next}">
      <label for="username">Username</label>
      <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none"
        spellcheck="false" required autofocus value="${view.username}">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit">Sign in</button>
    </form>
  </section>`;
}
