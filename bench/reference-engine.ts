/**
 * A plain TypeScript evaluation of the same grants that casbin and Cedar get (abac-grants.ts): slow-ish and
 * obvious, written from the format's text rather than from decide(). Fast enough to check decide() on every
 * request of a benchmark round, where Cedar and casbin can only check a sample.
 */
import type { PolicyFile } from '../src/domain/policy/policy-file.js';
import type { Grant, Keys, TimeCover, TimeFacts, Who } from './abac-grants.js';
import type { BenchRequest } from './generate-policy.js';

interface Person {
  id: string;
  active: boolean;
  roles: ReadonlySet<string>;
  supervisor: string | null;
}

export function createReference(
  policy: PolicyFile,
  grants: Grant[],
): (request: BenchRequest, facts: TimeFacts) => boolean {
  const people = new Map<string, Person>(
    policy.people.map((p) => [
      p.id,
      { id: p.id, active: p.active !== false, roles: new Set(p.roles), supervisor: p.supervisor ?? null },
    ]),
  );
  const groupOf = new Map(policy.keys.map((key) => [key.id, key.group]));
  const reasons = new Set(policy.reasons.map((reason) => reason.id));

  const names = (who: Who, person: Person) =>
    who.people.includes(person.id) || who.roles.some((role) => person.roles.has(role));
  const holds = (keys: Keys, key: string) =>
    keys.keys.includes(key) || keys.groups.includes(groupOf.get(key) ?? '');
  const covers = (time: TimeCover, facts: TimeFacts) =>
    time.kind === 'always' ||
    (time.kind === 'business-hours' && !facts.afterHours) ||
    (time.kind === 'after-hours' && facts.afterHours) ||
    (time.kind === 'schedule' && facts.schedules.includes(time.schedule));

  /** The grants whose keys hold a key, worked out once per key (the grants keep their file order). */
  const byKey = new Map<string, Grant[]>();
  const grantsFor = (key: string): Grant[] => {
    let list = byKey.get(key);
    if (!list) {
      list = grants.filter((grant) => holds(grant.keys, key));
      byKey.set(key, list);
    }
    return list;
  };

  const allows = (grant: Grant, request: BenchRequest, person: Person, facts: TimeFacts): boolean => {
    if (!holds(grant.keys, request.key) || !names(grant.who, person)) return false;
    if (grant.afterHours !== facts.afterHours) return false;
    if (grant.schedule !== null && !facts.schedules.includes(grant.schedule)) return false;
    if (grant.maxKeysOut !== null && request.keysOut >= grant.maxKeysOut) return false;
    if (request.reason !== null && grant.reasons !== null && !grant.reasons.includes(request.reason))
      return false;
    if (grant.reasonRequired && !request.reason) return false;
    if (grant.factorKinds.filter((kind) => request.factors.includes(kind)).length < grant.factors)
      return false;
    if (grant.approval.kind !== 'none') {
      const approver = request.approver ? people.get(request.approver) : undefined;
      if (!approver?.active || approver.id === person.id) return false;
      if (grant.approval.kind === 'supervisor' && person.supervisor !== approver.id) return false;
      if (grant.approval.kind === 'role' && !approver.roles.has(grant.approval.role)) return false;
    }
    if (grant.witness.kind !== 'none') {
      const witness = request.witness ? people.get(request.witness) : undefined;
      if (!witness?.active || witness.id === person.id) return false;
      if (grant.witness.kind === 'roles' && !grant.witness.roles.some((role) => witness.roles.has(role)))
        return false;
      if (
        grant.witness.kind === 'eligible' &&
        !grant.witness.via.some(
          (r) => holds(r.keys, request.key) && names(r.who, witness) && covers(r.time, facts),
        )
      )
        return false;
    }
    return true;
  };

  return (request, facts) => {
    const person = people.get(request.person);
    if (!person) throw new Error(`unknown person ${request.person}`);
    if (!person.active) return false;
    if (request.reason !== null && !reasons.has(request.reason)) return false;
    return grantsFor(request.key).some((grant) => allows(grant, request, person, facts));
  };
}
