/**
 * The terminal API that every cabinet uses (docs/terminal-api.md). A cabinet authenticates every request
 * with its own bearer token; sessions are bound to that cabinet.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { streamApprovalStatus } from '../approvals/approval-events.js';
import { getApproval, requestApproval } from '../approvals/approvals.service.js';
import { cabinetTopic } from '../cabinets/cabinet-events.routes.js';
import { cabinetOfToken } from '../cabinets/cabinet-tokens.service.js';
import type { ReleasePlan, SlotReleases } from '../cabinets/protocol/cabinet-connections.js';
import { checkoutSchema } from '../checkouts/checkouts.routes.js';
import { recordReturn } from '../checkouts/checkouts.service.js';
import {
  authenticationResponseSchema,
  finishFingerprintEnrolment,
  registrationResponseSchema,
  startFingerprintCheck,
  startFingerprintEnrolment,
} from '../credentials/webauthn.service.js';
import type { RelyingParty } from '../credentials/webauthn-config.js';
import { KeywardenError } from '../domain/errors.js';
import { decide } from '../domain/policy/decide.js';
import { FACTOR_KINDS } from '../domain/policy/policy-file.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { LiveEvents } from '../live/live-events.js';
import type { Store } from '../store/database.js';
import { assertNotLockedOut, checkoutAtTerminal } from './terminal-checkouts.service.js';
import { keysForSession } from './terminal-keys.service.js';
import {
  addSessionFactor,
  addWitness,
  endSession,
  resumeTerminalSession,
  SIGN_IN_FAILED,
  startSession,
  type TerminalContext,
  type TerminalSession,
} from './terminal-sessions.service.js';

const secretValue = z.string().min(1).max(128);
const factorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pin'), value: secretValue }),
  z.object({ kind: z.literal('badge'), value: secretValue }),
  z.object({ kind: z.literal('totp'), value: secretValue }),
  z.object({
    kind: z.literal('fingerprint'),
    assertion: authenticationResponseSchema
      .nullable()
      .describe('the WebAuthn authentication response, or null when the browser got none (a failed finger)'),
  }),
]);
const signInSchema = z
  .object({
    person: z.string().min(1).max(100).optional(),
    badge: z.string().min(1).max(100).optional(),
    factors: z.array(factorSchema).max(4).default([]),
  })
  .refine((body) => (body.person === undefined) !== (body.badge === undefined), {
    message: 'give either person or badge',
  });

const sessionSchema = z.object({
  id: z.string(),
  cabinet: z.string(),
  person: z.string(),
  personName: z.string().describe("the person's display name from the people table, to greet them by"),
  factors: z.array(z.enum(FACTOR_KINDS)),
  witness: z.string().nullable(),
  afterHours: z.boolean(),
  expiresAt: timestamp,
});

const decisionSchema = z.object({
  outcome: z.enum(['allow', 'needs', 'deny']),
  code: z.string().optional(),
  missing: z
    .object({
      factors: z.number().int().optional(),
      factorKinds: z.array(z.enum(FACTOR_KINDS)).optional(),
      reason: z.literal(true).optional(),
      approval: z.string().optional(),
      witness: z.literal(true).optional(),
    })
    .optional(),
  rule: z.string().nullable(),
  afterHours: z.boolean(),
  dueAt: timestamp.nullable(),
  explanation: z.string(),
});

const approvalSchema = z.object({
  id: z.string(),
  person: z.string(),
  key: z.string(),
  reason: z.string().nullable(),
  approver: z.string().describe('supervisor or role:<id>'),
  status: z.enum(['pending', 'approved', 'denied', 'expired', 'used']),
  requestedAt: timestamp,
  expiresAt: timestamp,
  decidedAt: timestamp.nullable(),
  decidedBy: z.string().nullable(),
});

/** The session as the kiosk sees it; the person's name is read here so the kiosk greets them by it. */
async function publicSession(db: Store['db'], session: TerminalSession) {
  const person = await db
    .selectFrom('people')
    .select('name')
    .where('id', '=', session.person)
    .executeTakeFirst();
  return {
    id: session.id,
    cabinet: session.cabinet,
    person: session.person,
    personName: person?.name ?? session.person,
    factors: session.factors,
    witness: session.witness,
    afterHours: session.afterHours,
    expiresAt: session.expiresAt,
  };
}

const bearer = { security: [{ cabinetToken: [] }] };

/** Enrolling a new factor needs a session proven by two factors: one stolen PIN must not add a finger. */
function assertStrongSession(session: TerminalSession): void {
  if (session.factors.length < 2) {
    throw new KeywardenError(
      'requirements_missing',
      'To enrol a fingerprint, sign in with two factors first (badge and PIN).',
      {
        missing: { factors: 2 - session.factors.length },
      },
    );
  }
}
const authErrors = { 401: errorSchema, 403: errorSchema };

declare module 'fastify' {
  interface FastifyRequest {
    /** The cabinet whose token signed this request. */
    cabinetId?: string;
  }
}

/**
 * What the terminal routes need: the terminal's services, the fingerprint relying party, and for approvals
 * the live bus (the outcome reaches a waiting terminal at once) and the public URL (one-time links).
 */
export type TerminalRoutesContext = TerminalContext & {
  rp: RelyingParty;
  live: LiveEvents;
  publicUrl: string;
};

export const terminalRoutes: FastifyPluginAsyncZod<{
  store: Store;
  context: TerminalRoutesContext;
  /** The cabinet protocol's releases (src/cabinets/protocol): without it, checkouts release nothing. */
  releases?: SlotReleases;
}> = async (app, { store, context, releases }) => {
  const db = store.db;

  app.addHook('preHandler', async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const cabinet = token ? await cabinetOfToken(db, token, context.now()) : null;
    if (!cabinet)
      throw new KeywardenError(
        'cabinet_unauthorized',
        'this request needs a valid cabinet token (Authorization: Bearer ...)',
      );
    const params = request.params as { cabinet?: string };
    if (params.cabinet !== undefined && params.cabinet !== cabinet) {
      throw new KeywardenError(
        'cabinet_unauthorized',
        `this token belongs to another cabinet than "${params.cabinet}"`,
      );
    }
    request.cabinetId = cabinet;
  });

  const cabinetOf = (request: FastifyRequest) => request.cabinetId as string;
  // Approval event streams end when the server closes, rather than hold its close up for minutes.
  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...openStreams]) end();
  });

  app.post(
    '/api/v1/cabinets/:cabinet/sessions',
    {
      schema: {
        tags: ['terminal'],
        summary: 'Sign a person in at this cabinet (badge or id, plus factors)',
        ...bearer,
        params: z.object({ cabinet: z.string() }),
        body: signInSchema,
        response: { 201: z.object({ session: sessionSchema }), 400: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const outcome = await db
        .transaction()
        .execute((trx) => startSession(trx, context, cabinetOf(request), request.body));
      if (!outcome.ok) throw new KeywardenError('authentication_failed', SIGN_IN_FAILED);
      return reply.status(201).send({ session: await publicSession(db, outcome.session) });
    },
  );

  const sessionParams = z.object({ id: z.string().max(100) });

  app.get(
    '/api/v1/sessions/:id',
    {
      schema: {
        tags: ['terminal'],
        summary: 'The session as it stands',
        ...bearer,
        params: sessionParams,
        response: { 200: z.object({ session: sessionSchema }), ...authErrors },
      },
    },
    async (request) => {
      const session = await db
        .transaction()
        .execute((trx) => resumeTerminalSession(trx, context, request.params.id, cabinetOf(request)));
      return { session: await publicSession(db, session) };
    },
  );

  app.post(
    '/api/v1/sessions/:id/factors',
    {
      schema: {
        tags: ['terminal'],
        summary: 'Add a factor (pin, badge, totp with value; fingerprint with the WebAuthn assertion)',
        ...bearer,
        params: sessionParams,
        body: factorSchema,
        response: { 200: z.object({ session: sessionSchema }), 400: errorSchema, ...authErrors },
      },
    },
    async (request) => {
      const outcome = await db.transaction().execute(async (trx) => {
        const session = await resumeTerminalSession(trx, context, request.params.id, cabinetOf(request));
        return addSessionFactor(trx, context, session, request.body);
      });
      if (!outcome.ok)
        throw new KeywardenError('authentication_failed', 'That factor was not accepted. Try again.');
      return { session: await publicSession(db, outcome.session) };
    },
  );

  app.get(
    '/api/v1/sessions/:id/fingerprint-options',
    {
      schema: {
        tags: ['terminal'],
        summary:
          "WebAuthn options (a fresh challenge, user verification required) for the person's fingerprint",
        ...bearer,
        params: sessionParams,
        response: {
          200: z.object({ options: z.record(z.string(), z.unknown()) }),
          404: errorSchema,
          ...authErrors,
        },
      },
    },
    async (request) => {
      const options = await db.transaction().execute(async (trx) => {
        const session = await resumeTerminalSession(trx, context, request.params.id, cabinetOf(request));
        return startFingerprintCheck(trx, context, session.person, { sessionId: session.id });
      });
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.get(
    '/api/v1/sessions/:id/fingerprint-enrolment-options',
    {
      schema: {
        tags: ['terminal'],
        summary:
          "WebAuthn options to enrol the signed-in person's fingerprint on this terminal's reader (needs two factors)",
        ...bearer,
        params: sessionParams,
        response: { 200: z.object({ options: z.record(z.string(), z.unknown()) }), ...authErrors },
      },
    },
    async (request) => {
      const options = await db.transaction().execute(async (trx) => {
        const session = await resumeTerminalSession(trx, context, request.params.id, cabinetOf(request));
        assertStrongSession(session);
        return startFingerprintEnrolment(trx, context, session.person, { sessionId: session.id });
      });
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    '/api/v1/sessions/:id/fingerprints',
    {
      schema: {
        tags: ['terminal'],
        summary: 'Enrol the fingerprint the reader just registered (the WebAuthn registration response)',
        ...bearer,
        params: sessionParams,
        body: z.object({ registration: registrationResponseSchema, label: z.string().max(100).optional() }),
        response: {
          201: z.object({ fingerprint: z.object({ credentialId: z.string() }) }),
          400: errorSchema,
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      const enrolled = await db.transaction().execute(async (trx) => {
        const session = await resumeTerminalSession(trx, context, request.params.id, cabinetOf(request));
        assertStrongSession(session);
        return finishFingerprintEnrolment(trx, context, session.person, request.body.registration, {
          sessionId: session.id,
          label: request.body.label ?? `cabinet ${session.cabinet}`,
          actor: session.person,
          cabinet: session.cabinet,
        });
      });
      return reply.status(201).send({ fingerprint: { credentialId: enrolled.credentialId } });
    },
  );

  app.get(
    '/api/v1/sessions/:id/keys',
    {
      schema: {
        tags: ['terminal'],
        summary: "Every key of this cabinet with its status and the decision for this session's person now",
        ...bearer,
        params: sessionParams,
        querystring: z.object({
          reason: z.string().max(100).optional().describe('decide as if this reason were given'),
        }),
        response: {
          200: z.object({
            keys: z.array(
              z.object({
                id: z.string(),
                label: z.string(),
                slot: z.number().int(),
                status: z.enum(['in', 'out', 'missing', 'retired']),
                sensitivity: z.enum(['normal', 'restricted', 'critical']),
                decision: decisionSchema,
              }),
            ),
          }),
          ...authErrors,
        },
      },
    },
    async (request) => {
      const keys = await db.transaction().execute(async (trx) => {
        const session = await resumeTerminalSession(trx, context, request.params.id, cabinetOf(request));
        return keysForSession(trx, context, session, request.query.reason ?? null);
      });
      return { keys };
    },
  );

  app.post(
    '/api/v1/sessions/:id/witness',
    {
      schema: {
        tags: ['terminal'],
        summary: 'A second person signs in with their own factors to witness this session',
        ...bearer,
        params: sessionParams,
        body: signInSchema,
        response: { 200: z.object({ session: sessionSchema }), 400: errorSchema, ...authErrors },
      },
    },
    async (request) => {
      const outcome = await db.transaction().execute(async (trx) => {
        const session = await resumeTerminalSession(trx, context, request.params.id, cabinetOf(request));
        return addWitness(trx, context, session, request.body);
      });
      if (!outcome.ok)
        throw new KeywardenError(
          'authentication_failed',
          'The witness could not sign in. Check the badge or id and PIN.',
        );
      return { session: await publicSession(db, outcome.session) };
    },
  );

  app.post(
    '/api/v1/sessions/:id/approvals',
    {
      schema: {
        tags: ['terminal'],
        summary: 'Ask the approver the rule names to approve taking this key (expires after 10 minutes)',
        ...bearer,
        params: sessionParams,
        body: z.object({ key: z.string().max(100), reason: z.string().max(100).nullable().optional() }),
        response: {
          202: z.object({ approval: approvalSchema, approvers: z.array(z.string()) }),
          400: errorSchema,
          409: errorSchema,
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      const result = await db.transaction().execute(async (trx) => {
        const session = await resumeTerminalSession(trx, context, request.params.id, cabinetOf(request));
        await assertNotLockedOut(trx, context, session.person);
        const active = await context.policies.get(trx);
        const decision = decide(active.compiled, session.person, request.body.key, context.now().getTime(), {
          factors: session.factors,
          reason: request.body.reason ?? null,
          witness: session.witness,
        });
        const approver = decision.missing?.approval;
        if (decision.outcome !== 'needs' || !approver) {
          throw new KeywardenError(
            'approval_not_usable',
            `taking this key needs no approval now (${decision.outcome}${decision.code ? `: ${decision.code}` : ''})`,
            { decision },
          );
        }
        return requestApproval(trx, context, {
          person: session.person,
          key: request.body.key,
          cabinet: session.cabinet,
          reason: request.body.reason ?? null,
          approver,
          session: session.id,
        });
      });
      return reply.status(202).send(result);
    },
  );

  app.get(
    '/api/v1/sessions/:id/approvals/:approval',
    {
      schema: {
        tags: ['terminal'],
        summary: 'Where an approval request stands (pending, approved, denied, expired)',
        ...bearer,
        params: z.object({ id: z.string().max(100), approval: z.string().max(100) }),
        response: { 200: z.object({ approval: approvalSchema }), 404: errorSchema, ...authErrors },
      },
    },
    async (request) => {
      const approval = await db.transaction().execute(async (trx) => {
        const session = await resumeTerminalSession(trx, context, request.params.id, cabinetOf(request));
        const found = await getApproval(trx, request.params.approval, context.now());
        if (found.person !== session.person)
          throw new KeywardenError('approval_not_found', 'no such approval request in this session');
        return found;
      });
      return { approval };
    },
  );

  app.get(
    '/api/v1/sessions/:id/approvals/:approval/events',
    {
      schema: {
        tags: ['terminal'],
        summary: 'The live status of an approval request (Server-Sent Events): now, then each change',
        description:
          'Answers `text/event-stream`. The first event is the current status; each change follows as it happens (approved, denied, expired at `expiresAt`); after a final status the stream ends. Each event is `event: status` with `data: {"approval": {...}}` (the same object as GET .../approvals/{approval}); a comment line `: heartbeat` comes every 15 s. If the session ends meanwhile, an `event: error` with `data: {"code": "session_expired"}` ends the stream. Close your EventSource after a final status, or it reconnects.',
        produces: ['text/event-stream'],
        ...bearer,
        params: z.object({ id: z.string().max(100), approval: z.string().max(100) }),
        response: {
          200: z.string().describe('text/event-stream: `event: status` / `data: {"approval": {...}}`'),
          404: errorSchema,
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      const { id, approval: approvalId } = request.params;
      const cabinet = cabinetOf(request);
      const approval = await db.transaction().execute(async (trx) => {
        const session = await resumeTerminalSession(trx, context, id, cabinet);
        const found = await getApproval(trx, approvalId, context.now());
        if (found.person !== session.person)
          throw new KeywardenError('approval_not_found', 'no such approval request in this session');
        return found;
      });
      streamApprovalStatus(reply, approval, {
        db,
        live: context.live,
        now: context.now,
        keepAlive: async () => {
          await db.transaction().execute((trx) => resumeTerminalSession(trx, context, id, cabinet));
        },
        onError: (error) => request.log.warn({ err: error }, 'approval event stream ended by an error'),
        open: openStreams,
      });
      return reply;
    },
  );

  app.post(
    '/api/v1/sessions/:id/checkouts',
    {
      schema: {
        tags: ['terminal'],
        summary: 'Take a key: the policy decides with this session; on success the slot is released',
        ...bearer,
        params: sessionParams,
        body: z.object({
          key: z.string().max(100),
          reason: z.string().max(100).nullable().optional(),
          note: z.string().max(500).nullable().optional(),
          approval: z.string().max(100).nullable().optional().describe('id of an approved approval request'),
        }),
        response: {
          201: z.object({
            checkout: z.object({
              id: z.string(),
              key: z.string(),
              slot: z.number().int(),
              dueAt: timestamp.nullable(),
              afterHours: z.boolean(),
            }),
            release: z
              .object({
                sent: z
                  .boolean()
                  .describe(
                    'false: the cabinet is not connected; the checkout stands, open the slot another way',
                  ),
                until: timestamp.describe('the key must leave its slot by then, or the checkout is undone'),
              })
              .optional()
              .describe('the slot release sent over the cabinet protocol (docs/cabinet-protocol.md)'),
          }),
          ...authErrors,
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request, reply) => {
      let person: string | null = null;
      let release: ReleasePlan | null = null;
      const outcome = await db
        .transaction()
        .execute(async (trx) => {
          const session = await resumeTerminalSession(trx, context, request.params.id, cabinetOf(request));
          person = session.person;
          const taken = await checkoutAtTerminal(trx, context, session, request.body);
          // The release is recorded with the checkout (nothing half-written) and sent after the commit.
          if (taken.ok && releases) {
            const { checkout } = taken;
            release = await releases.recordRelease(trx, {
              id: checkout.id,
              cabinet: checkout.cabinet,
              slot: checkout.slot,
              key: checkout.key,
            });
          }
          return taken;
        })
        .catch(async (error: unknown) => {
          // The checkout's transaction rolled back; the refusal is still a fact worth recording.
          if (
            error instanceof KeywardenError &&
            person &&
            ['key_unavailable', 'key_not_in_cabinet', 'locked_out', 'approval_not_usable'].includes(
              error.code,
            )
          ) {
            const refusedPerson = person;
            await db.transaction().execute((trx) =>
              context.audit.append(trx, {
                type: 'checkout.refused',
                actor: refusedPerson,
                person: refusedPerson,
                key: request.body.key,
                cabinet: cabinetOf(request),
                data: { code: error.code, message: error.message },
              }),
            );
          }
          throw error;
        });
      if (!outcome.ok) {
        const { decision } = outcome;
        const details = {
          rule: decision.rule,
          afterHours: decision.afterHours,
          explanation: decision.explanation,
          ...(decision.missing ? { missing: decision.missing } : {}),
        };
        if (decision.outcome === 'needs')
          throw new KeywardenError('requirements_missing', decision.explanation, details);
        throw new KeywardenError(decision.code ?? 'decision_denied', decision.explanation, details);
      }
      const { checkout } = outcome;
      const plan = release as ReleasePlan | null;
      if (plan && releases) releases.sendRelease(plan);
      // The console's slot map follows (src/cabinets/cabinet-events.routes.ts); a hint, after the commit.
      context.live.publish(cabinetTopic(checkout.cabinet), { kind: 'checkout', checkout: checkout.id });
      return reply.status(201).send({
        checkout: {
          id: checkout.id,
          key: checkout.key,
          slot: checkout.slot,
          dueAt: checkout.dueAt,
          afterHours: checkout.afterHours,
        },
        ...(plan ? { release: { sent: plan.sent, until: plan.until } } : {}),
      });
    },
  );

  app.post(
    '/api/v1/cabinets/:cabinet/returns',
    {
      schema: {
        tags: ['terminal'],
        summary: 'A key was put back into a slot of this cabinet',
        ...bearer,
        params: z.object({ cabinet: z.string() }),
        body: z.object({ key: z.string().max(100), slot: z.number().int().min(1).max(10_000) }),
        response: {
          200: z.object({ checkout: checkoutSchema }),
          400: errorSchema,
          404: errorSchema,
          ...authErrors,
        },
      },
    },
    async (request) => {
      const checkout = await db.transaction().execute((trx) =>
        recordReturn(trx, context, {
          key: request.body.key,
          cabinet: cabinetOf(request),
          slot: request.body.slot,
        }),
      );
      context.live.publish(cabinetTopic(cabinetOf(request)), { kind: 'return', checkout: checkout.id });
      return { checkout };
    },
  );

  app.delete(
    '/api/v1/sessions/:id',
    {
      schema: {
        tags: ['terminal'],
        summary: 'Sign out',
        ...bearer,
        params: sessionParams,
        response: { 204: z.null(), ...authErrors },
      },
    },
    async (request, reply) => {
      await db.transaction().execute(async (trx) => {
        const session = await resumeTerminalSession(trx, context, request.params.id, cabinetOf(request));
        await endSession(trx, context, session);
      });
      return reply.status(204).send(null);
    },
  );
};
