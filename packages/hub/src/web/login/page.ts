// The sign-in page: the form, and beside it the news (maintenance notices are in the banner).
import { html, type SafeHtml } from '../../ui/html.js';

export interface LoginView {
  username: string;
  next: string;
  xsrf: string;
  error?: string | undefined;
  /** The news panel, shown before sign-in. */
  news: SafeHtml;
}

export function loginBody(view: LoginView) {
  return html`<div class="login-layout${view.news.value ? ' with-news' : ''}"><section class="panel narrow login-box" aria-labelledby="login-title">
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
  </section>${view.news}</div>`;
}
