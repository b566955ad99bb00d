import { describe, expect, it } from 'vitest';
import { allows, type ConsoleAction, type ConsoleRole, onlyOverTeam, teamOf } from './console-roles.js';

describe('console permissions', () => {
  it.each<[ConsoleRole[], ConsoleAction, boolean]>([
    [['admin'], 'audit.read', true],
    [['auditor'], 'audit.read', true],
    [['supervisor'], 'audit.read', false],
    [['auditor'], 'approvals.decide', false],
    [['auditor'], 'console-users.manage', false],
    [['key-manager'], 'approvals.decide', false],
    [['supervisor'], 'approvals.decide', true],
    [['supervisor'], 'checkouts.read', true],
    [['supervisor', 'auditor'], 'audit.read', true],
    [[], 'keys.read', false],
    [['key-manager'], 'credentials.manage', true],
    [['auditor'], 'credentials.manage', false],
    [['supervisor'], 'credentials.manage', false],
    [['key-manager'], 'cabinet-tokens.manage', false],
    [['admin'], 'cabinet-tokens.manage', true],
    [['supervisor'], 'people.read', true],
  ])('%j may %s: %s', (roles, action, expected) => {
    expect(allows(roles, action)).toBe(expected);
  });

  it('limits supervisors to their team unless another role gives the action whole', () => {
    expect(onlyOverTeam(['supervisor'], 'checkouts.read')).toBe(true);
    expect(onlyOverTeam(['supervisor', 'auditor'], 'checkouts.read')).toBe(false);
    expect(onlyOverTeam(['supervisor', 'auditor'], 'approvals.decide')).toBe(true);
    expect(onlyOverTeam(['supervisor'], 'keys.read')).toBe(false);
    expect(onlyOverTeam(['supervisor'], 'people.read')).toBe(true);
    expect(onlyOverTeam(['supervisor', 'key-manager'], 'people.read')).toBe(false);
  });

  it('finds a team down the supervisor chain, not the supervisor, and survives a cycle', () => {
    const people = [
      { id: 'p-okafor', supervisor: null },
      { id: 'p-chen', supervisor: 'p-okafor' },
      { id: 'p-ruiz', supervisor: 'p-chen' },
      { id: 'p-novak', supervisor: 'p-chen' },
      { id: 'p-haddad', supervisor: 'p-okafor' },
      { id: 'x-a', supervisor: 'x-b' },
      { id: 'x-b', supervisor: 'x-a' },
    ];
    expect([...teamOf('p-chen', people)].sort()).toEqual(['p-novak', 'p-ruiz']);
    expect([...teamOf('p-okafor', people)].sort()).toEqual(['p-chen', 'p-haddad', 'p-novak', 'p-ruiz']);
    expect([...teamOf('p-ruiz', people)]).toEqual([]);
    expect([...teamOf('x-a', people)]).toEqual(['x-b']);
  });
});
