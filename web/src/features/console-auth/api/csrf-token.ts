/**
 * The CSRF token sign-in answered, kept in this tab's sessionStorage: every change the console makes sends
 * it as x-csrf-token (docs/console.md). A new tab has none until sign-in; the session cookie alone reads.
 */
const KEY = 'keywarden.csrf';

export function readCsrfToken(): string | null {
  return window.sessionStorage.getItem(KEY);
}

export function saveCsrfToken(token: string | null): void {
  if (token) window.sessionStorage.setItem(KEY, token);
  else window.sessionStorage.removeItem(KEY);
}
