/**
 * The console's CSRF token for a change (x-csrf-token): sign-in keeps it in this tab's sessionStorage under
 * `keywarden.csrf` (web/src/features/console-auth/api/csrf-token.ts writes it). Read here so that every
 * feature that changes something can send it without importing another feature.
 */
export function consoleCsrf(): string {
  return window.sessionStorage.getItem('keywarden.csrf') ?? '';
}
