/**
 * The policy's grants as Cedar policies, evaluated with @cedar-policy/cedar-wasm's stateful API: the policy
 * set is parsed once (preparsePolicySet) and each request passes only its own entities (the person with
 * their roles as parents, the key with its group, and the approver and witness when given) and a context
 * with the after-hours flag and covering schedules from Keywarden's calendar, the factor kinds, reason and
 * keys out.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyFile } from '../src/domain/policy/policy-file.js';
import type { Grant, Keys, TimeCover, TimeFacts, Who } from './abac-grants.js';
import type { BenchRequest } from './generate-policy.js';

type EntityJson = cedar.EntityJson;
type StatefulCall = cedar.StatefulAuthorizationCall;

const POLICY_SET_ID = 'keywarden-bench';
const q = (text: string): string => JSON.stringify(text);
const any = (parts: string[]): string => (parts.length === 0 ? 'false' : `(${parts.join(' || ')})`);

function keysMatch(keys: Keys): string {
  return `resource in [${[
    ...keys.groups.map((group) => `KeyGroup::${q(group)}`),
    ...keys.keys.map((key) => `Key::${q(key)}`),
  ].join(', ')}]`;
}

/** `subject` is principal, context.witness, ... */
function whoMatch(who: Who, subject: string): string {
  return `${subject} in [${[
    ...who.roles.map((role) => `Role::${q(role)}`),
    ...who.people.map((person) => `Person::${q(person)}`),
  ].join(', ')}]`;
}

function timeMatch(time: TimeCover): string {
  switch (time.kind) {
    case 'always':
      return 'true';
    case 'business-hours':
      return '!context.afterHours';
    case 'after-hours':
      return 'context.afterHours';
    case 'schedule':
      return `context.schedules.contains(${q(time.schedule)})`;
  }
}

function grantPolicy(grant: Grant, index: number): string {
  const parts = [
    keysMatch(grant.keys),
    whoMatch(grant.who, 'principal'),
    grant.afterHours ? 'context.afterHours' : '!context.afterHours',
  ];
  if (grant.schedule) parts.push(`context.schedules.contains(${q(grant.schedule)})`);
  if (grant.maxKeysOut !== null) parts.push(`context.keysOut < ${grant.maxKeysOut}`);
  if (grant.reasons)
    parts.push(`(context.reason == "" || [${grant.reasons.map(q).join(', ')}].contains(context.reason))`);
  if (grant.reasonRequired) parts.push('context.reason != ""');
  const counted = grant.factorKinds.map((kind) => `(if context.factors.contains(${q(kind)}) then 1 else 0)`);
  parts.push(`${counted.join(' + ')} >= ${grant.factors}`);
  if (grant.approval.kind !== 'none') {
    const who =
      grant.approval.kind === 'supervisor'
        ? 'principal has supervisor && principal.supervisor == context.approver'
        : `context.approver in Role::${q(grant.approval.role)}`;
    parts.push(`context has approver && context.approver != principal && context.approver.active && ${who}`);
  }
  if (grant.witness.kind === 'roles') {
    parts.push(
      `context has witness && context.witness != principal && context.witness.active && ${whoMatch({ roles: grant.witness.roles, people: [] }, 'context.witness')}`,
    );
  } else if (grant.witness.kind === 'eligible') {
    const via = grant.witness.via.map(
      (reach) =>
        `(${keysMatch(reach.keys)} && ${whoMatch(reach.who, 'context.witness')} && ${timeMatch(reach.time)})`,
    );
    parts.push(
      `context has witness && context.witness != principal && context.witness.active && ${any(via)}`,
    );
  }
  return `@id(${q(`${grant.rule}-${grant.afterHours ? 'after-hours' : 'business-hours'}-${index}`)})
permit (principal, action == Action::"take", resource)
when { ${parts.join('\n  && ')} };`;
}

/** The whole policy set: one permit per grant, and forbids for an inactive person or an unknown reason. */
export function cedarPolicyText(grants: Grant[], reasons: string[]): string {
  return [
    `@id("inactive-person")\nforbid (principal, action, resource) unless { principal.active };`,
    `@id("unknown-reason")\nforbid (principal, action, resource) when { context.reason != "" && ![${reasons.map(q).join(', ')}].contains(context.reason) };`,
    ...grants.map(grantPolicy),
  ].join('\n\n');
}

export interface CedarSetup {
  policyTextLength: number;
  policies: number;
  people: Map<string, EntityJson>;
  keys: Map<string, EntityJson>;
}

export function createCedar(policy: PolicyFile, grants: Grant[]): CedarSetup {
  const text = cedarPolicyText(
    grants,
    policy.reasons.map((reason) => reason.id),
  );
  const parsed = cedar.preparsePolicySet(POLICY_SET_ID, { staticPolicies: text });
  if (parsed.type !== 'success') {
    throw new Error(`Cedar refused the policy set: ${parsed.errors.map((e) => e.message).join('; ')}`);
  }
  const people = new Map<string, EntityJson>(
    policy.people.map((person) => {
      const attrs: Record<string, cedar.CedarValueJson> = { active: person.active !== false };
      if (person.supervisor) attrs.supervisor = { __entity: { type: 'Person', id: person.supervisor } };
      return [
        person.id,
        {
          uid: { type: 'Person', id: person.id },
          attrs,
          parents: person.roles.map((role) => ({ type: 'Role', id: role })),
        },
      ];
    }),
  );
  const keys = new Map<string, EntityJson>(
    policy.keys.map((key) => [
      key.id,
      { uid: { type: 'Key', id: key.id }, attrs: {}, parents: [{ type: 'KeyGroup', id: key.group }] },
    ]),
  );
  return { policyTextLength: text.length, policies: grants.length + 2, people, keys };
}

/** One stateful authorization call: the request's own entities and its context. */
export function cedarCall(setup: CedarSetup, request: BenchRequest, facts: TimeFacts): StatefulCall {
  const entities: EntityJson[] = [
    setup.people.get(request.person) as EntityJson,
    setup.keys.get(request.key) as EntityJson,
  ];
  const context: cedar.Context = {
    afterHours: facts.afterHours,
    schedules: facts.schedules,
    keysOut: request.keysOut,
    reason: request.reason ?? '',
    factors: request.factors,
  };
  for (const [field, id] of [
    ['approver', request.approver],
    ['witness', request.witness],
  ] as const) {
    if (!id) continue;
    context[field] = { __entity: { type: 'Person', id } };
    if (
      !entities.some((entity) => 'id' in entity.uid && entity.uid.id === id && entity.uid.type === 'Person')
    ) {
      entities.push(setup.people.get(id) as EntityJson);
    }
  }
  return {
    principal: { type: 'Person', id: request.person },
    action: { type: 'Action', id: 'take' },
    resource: { type: 'Key', id: request.key },
    context,
    preparsedPolicySetId: POLICY_SET_ID,
    entities,
  };
}

/** true when Cedar allows; throws when Cedar reports a failure or a policy error (a translation bug). */
export function cedarAllows(call: StatefulCall): boolean {
  const answer = cedar.statefulIsAuthorized(call);
  if (answer.type !== 'success')
    throw new Error(`Cedar failed: ${answer.errors.map((e) => e.message).join('; ')}`);
  if (answer.response.diagnostics.errors.length > 0) {
    const first = answer.response.diagnostics.errors[0];
    throw new Error(`Cedar policy error in ${first?.policyId}: ${first?.error.message}`);
  }
  return answer.response.decision === 'allow';
}

/**
 * Mean CPU microseconds per call of the same calls against a one-policy set that never permits: the cost of
 * a call itself (crossing into wasm, reading the entities and context), without evaluating the grants.
 */
export function cedarFloorMicros(calls: StatefulCall[]): number {
  const id = `${POLICY_SET_ID}-floor`;
  cedar.preparsePolicySet(id, {
    staticPolicies: 'permit (principal, action == Action::"take", resource) when { context.keysOut < 0 };',
  });
  const floorCalls = calls.map((call) => ({ ...call, preparsedPolicySetId: id }));
  for (const call of floorCalls) cedar.statefulIsAuthorized(call);
  const rounds = 5;
  const cpu = process.cpuUsage();
  for (let round = 0; round < rounds; round++)
    for (const call of floorCalls) cedar.statefulIsAuthorized(call);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / (rounds * floorCalls.length);
}
