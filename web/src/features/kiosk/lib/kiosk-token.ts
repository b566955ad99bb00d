/**
 * The cabinet token of this kiosk device, kept in its localStorage: an administrator pastes it once at
 * setup (from `keywarden cabinets token CABINET` or the console). Whoever holds it is that cabinet, so a kiosk
 * is a locked-down device; revoking the token (`keywarden cabinets revoke-tokens`) locks it out at once.
 */
const keyOf = (cabinet: string) => `keywarden.kiosk-token.${cabinet}`;

export function readKioskToken(cabinet: string): string | null {
  return window.localStorage.getItem(keyOf(cabinet));
}

export function saveKioskToken(cabinet: string, token: string): void {
  window.localStorage.setItem(keyOf(cabinet), token);
}

export function forgetKioskToken(cabinet: string): void {
  window.localStorage.removeItem(keyOf(cabinet));
}
