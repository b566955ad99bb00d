/**
 * The policy's grants as a casbin ABAC model: the request carries attributes (the person's id, roles,
 * supervisor and active flag; the key's id and group; a context with the after-hours flag and covering
 * schedules from Keywarden's calendar, the factor kinds presented as 0/1, reason, keys out, and the
 * approver's and witness's attributes) and one matcher expresses every grant. No policy lines: with
 * attributes in the request there is nothing to look up, and casbin evaluates the matcher once.
 */
import { type Enforcer, newEnforcer, newModel } from 'casbin';
import type { PolicyFile } from '../src/domain/policy/policy-file.js';
import type { Grant, Keys, TimeCover, TimeFacts, Who } from './abac-grants.js';
import type { BenchRequest } from './generate-policy.js';

export interface CasbinPerson {
  id: string;
  active: boolean;
  supervisor: string;
  roles: Record<string, true>;
}

export interface CasbinKey {
  id: string;
  group: string;
}

export interface CasbinContext {
  ah: boolean;
  sch: Record<string, true>;
  keysOut: number;
  reason: string;
  f: Record<string, number>;
  ap: CasbinPerson;
  w: CasbinPerson;
}

const NOBODY: CasbinPerson = { id: '', active: false, supervisor: '', roles: {} };
const q = (text: string): string => `'${text}'`;
const any = (parts: string[]): string => (parts.length === 0 ? 'false' : `(${parts.join(' || ')})`);

function keysMatch(keys: Keys): string {
  return any([
    ...keys.groups.map((group) => `r.obj.group == ${q(group)}`),
    ...keys.keys.map((key) => `r.obj.id == ${q(key)}`),
  ]);
}

/** `subject` is an expression for a CasbinPerson: r.sub, r.ctx.w, ... */
function whoMatch(who: Who, subject: string): string {
  return any([
    ...who.roles.map((role) => `${subject}.roles[${q(role)}]`),
    ...who.people.map((person) => `${subject}.id == ${q(person)}`),
  ]);
}

function timeMatch(time: TimeCover): string {
  switch (time.kind) {
    case 'always':
      return 'true';
    case 'business-hours':
      return '!r.ctx.ah';
    case 'after-hours':
      return 'r.ctx.ah';
    case 'schedule':
      return `r.ctx.sch[${q(time.schedule)}]`;
  }
}

function grantMatch(grant: Grant): string {
  const parts = [
    keysMatch(grant.keys),
    whoMatch(grant.who, 'r.sub'),
    grant.afterHours ? 'r.ctx.ah' : '!r.ctx.ah',
  ];
  if (grant.schedule) parts.push(`r.ctx.sch[${q(grant.schedule)}]`);
  if (grant.maxKeysOut !== null) parts.push(`r.ctx.keysOut < ${grant.maxKeysOut}`);
  if (grant.reasons)
    parts.push(any(["r.ctx.reason == ''", ...grant.reasons.map((r) => `r.ctx.reason == ${q(r)}`)]));
  if (grant.reasonRequired) parts.push("r.ctx.reason != ''");
  parts.push(`(${grant.factorKinds.map((kind) => `r.ctx.f.${kind}`).join(' + ')}) >= ${grant.factors}`);
  if (grant.approval.kind !== 'none') {
    const who =
      grant.approval.kind === 'supervisor'
        ? 'r.ctx.ap.id == r.sub.supervisor'
        : `r.ctx.ap.roles[${q(grant.approval.role)}]`;
    parts.push(`r.ctx.ap.active && r.ctx.ap.id != r.sub.id && ${who}`);
  }
  if (grant.witness.kind === 'roles') {
    parts.push(
      `r.ctx.w.active && r.ctx.w.id != r.sub.id && ${whoMatch({ roles: grant.witness.roles, people: [] }, 'r.ctx.w')}`,
    );
  } else if (grant.witness.kind === 'eligible') {
    const via = grant.witness.via.map(
      (reach) =>
        `(${keysMatch(reach.keys)} && ${whoMatch(reach.who, 'r.ctx.w')} && ${timeMatch(reach.time)})`,
    );
    parts.push(`r.ctx.w.active && r.ctx.w.id != r.sub.id && ${any(via)}`);
  }
  return `(${parts.join(' && ')})`;
}

/** The whole matcher: an active person, a reason the policy knows (or none), and one of the grants. */
export function casbinMatcher(grants: Grant[], reasons: string[]): string {
  const knownReason = any(["r.ctx.reason == ''", ...reasons.map((r) => `r.ctx.reason == ${q(r)}`)]);
  return `r.sub.active && ${knownReason} && ${any(grants.map(grantMatch))}`;
}

export interface CasbinSetup {
  enforcer: Enforcer;
  matcherLength: number;
  people: Map<string, CasbinPerson>;
  keys: Map<string, CasbinKey>;
}

export async function createCasbin(policy: PolicyFile, grants: Grant[]): Promise<CasbinSetup> {
  const matcher = casbinMatcher(
    grants,
    policy.reasons.map((reason) => reason.id),
  );
  const model = newModel();
  model.addDef('r', 'r', 'sub, obj, ctx');
  model.addDef('p', 'p', 'sub');
  model.addDef('e', 'e', 'some(where (p.eft == allow))');
  model.addDef('m', 'm', matcher);
  const enforcer = await newEnforcer(model);
  const people = new Map(
    policy.people.map((person) => [
      person.id,
      {
        id: person.id,
        active: person.active !== false,
        supervisor: person.supervisor ?? '',
        roles: Object.fromEntries(person.roles.map((role) => [role, true as const])),
      },
    ]),
  );
  const keys = new Map(policy.keys.map((key) => [key.id, { id: key.id, group: key.group }]));
  return { enforcer, matcherLength: matcher.length, people, keys };
}

/** The request's three attribute objects (sub, obj, ctx), built from the entity maps and the time facts. */
export function casbinRequest(
  setup: CasbinSetup,
  request: BenchRequest,
  facts: TimeFacts,
): [CasbinPerson, CasbinKey, CasbinContext] {
  const f: Record<string, number> = { pin: 0, badge: 0, fingerprint: 0, totp: 0 };
  for (const kind of request.factors) f[kind] = 1;
  const sch: Record<string, true> = {};
  for (const id of facts.schedules) sch[id] = true;
  return [
    setup.people.get(request.person) as CasbinPerson,
    setup.keys.get(request.key) as CasbinKey,
    {
      ah: facts.afterHours,
      sch,
      keysOut: request.keysOut,
      reason: request.reason ?? '',
      f,
      ap: (request.approver && setup.people.get(request.approver)) || NOBODY,
      w: (request.witness && setup.people.get(request.witness)) || NOBODY,
    },
  ];
}
