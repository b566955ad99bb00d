/**
 * What the signed-in user may do, from the same table the API enforces (src/domain/console/console-roles.ts):
 * sections hide the buttons a role cannot use. The API still refuses whatever the UI might offer by mistake.
 */
import { type ConsoleAction, PERMISSIONS } from '../../../src/domain/console/console-roles';

export type { ConsoleAction };
export type May = (action: ConsoleAction) => boolean;

export function permissionsOf(roles: readonly string[]): May {
  return (action) => {
    const allowed: readonly string[] = PERMISSIONS[action];
    return roles.some((role) => allowed.includes(role));
  };
}
