/**
 * The audit chain for the console and API tokens:
 * - GET /api/v1/audit-verification: the chain's verification (ok, entries, checkpoints, attestedThrough,
 *   the first failure), cached with its time (audit-verification-cache.ts); `?refresh=true` asks for a new run.
 * - GET /api/v1/audit-export: the same JSON Lines file as `keywarden audit export`, as a download. The file
 *   is written to a private temporary folder first, so the export's audit entry can say exactly what left
 *   (entries, checkpoints, head) and a failure half-way sends nothing; it is removed once sent.
 * Both need `audit.read` (ROUTE_ACCESS); neither sends anything secret (the export names the public key only).
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SignedInUser } from '../console/console-auth.js';
import { KeywardenError } from '../domain/errors.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import { exportAuditLog } from './audit-export.js';
import type { AuditLog } from './audit-log.js';
import type { AuditPublicKey } from './audit-signing-key.js';
import { AuditVerificationCache } from './audit-verification-cache.js';

export interface AuditTrailRoutesContext {
  audit: AuditLog;
  now: () => Date;
  /** The public half of the audit signing key: checks the checkpoints and goes into exports. */
  auditKey: AuditPublicKey;
  /** The database URL; a SQLite file verifies on its faster read-only path. */
  databaseUrl?: string;
  /** Cache timings (audit-verification-cache.ts); tests shorten them. */
  verificationMaxAgeMs?: number;
  verificationMinIntervalMs?: number;
}

const failureSchema = z.object({
  kind: z.enum(['changed', 'missing', 'inserted', 'reordered', 'checkpoint_mismatch', 'head_mismatch']),
  seq: z.number().int(),
  message: z.string(),
});

const verificationSchema = z.object({
  ok: z.boolean(),
  entries: z.number().int().describe('entries found intact, in order, before the first failure'),
  checkpoints: z.number().int().describe('signed checkpoints whose hash and signature were confirmed'),
  attestedThrough: z
    .number()
    .int()
    .describe('the last entry covered by a confirmed checkpoint; later entries rest on the chain alone'),
  lastSeq: z.number().int(),
  lastHash: z.string(),
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  keyId: z.string().nullable(),
  failure: failureSchema.nullable(),
  warnings: z.array(z.string()),
  verifiedAt: timestamp,
  durationMs: z.number().int(),
  cached: z.boolean().describe('true when this is an earlier run reused (see verifiedAt)'),
});

function signedIn(request: { consoleUser?: SignedInUser }): SignedInUser {
  // The root onRequest hook (protect-read-routes.ts) authenticated every request that gets here.
  if (!request.consoleUser) throw new KeywardenError('console_unauthorized', 'sign in to the console first');
  return request.consoleUser;
}

export const auditTrailRoutes: FastifyPluginAsyncZod<{
  store: Store;
  context: AuditTrailRoutesContext;
}> = async (app, { store, context }) => {
  const verification = new AuditVerificationCache({
    db: store.db,
    publicKey: context.auditKey,
    now: context.now,
    databaseUrl: context.databaseUrl,
    maxAgeMs: context.verificationMaxAgeMs,
    minIntervalMs: context.verificationMinIntervalMs,
  });

  app.get(
    '/api/v1/audit-verification',
    {
      schema: {
        tags: ['audit'],
        summary: "The audit chain's verification: the latest run, or a new one when it is stale",
        description:
          'Reuses the latest run while it is under 10 minutes old and no entry was appended since; never runs more than once a minute, and one run at a time (callers meanwhile share it). `refresh=true` asks for a new run, within the same once-a-minute limit.',
        querystring: z.object({
          refresh: z
            .enum(['true', 'false'])
            .optional()
            .transform((value) => value === 'true'),
        }),
        response: { 200: z.object({ verification: verificationSchema }), 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      const result = await verification.get({ refresh: request.query.refresh });
      const { report } = result;
      return {
        verification: {
          ok: report.ok,
          entries: report.entries,
          checkpoints: report.checkpoints,
          attestedThrough: report.attestedThrough,
          lastSeq: report.lastSeq,
          lastHash: report.lastHash,
          head: report.head ? { seq: report.head.seq, hash: report.head.hash } : null,
          keyId: report.keyId,
          failure: report.failure,
          warnings: report.warnings,
          verifiedAt: result.verifiedAt,
          durationMs: result.durationMs,
          cached: result.cached,
        },
      };
    },
  );

  app.get(
    '/api/v1/audit-export',
    {
      schema: {
        tags: ['audit'],
        summary: 'Download the audit log as JSON Lines (the file of `keywarden audit export`)',
        description:
          'Header (format, public key, key id), signed checkpoints, entries, head: one JSON record a line. Verify it with `keywarden audit verify --file FILE --public-key KEY.pub.pem`. Each export is itself audited (`audit.exported`).',
        // 200 is a file stream (JSON Lines), sent as is: nothing to serialise.
        response: { 200: z.any().describe('application/jsonl'), 401: errorSchema, 403: errorSchema },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      // A private folder (mode 0700): the export is readable by this process's user only while it waits.
      const dir = mkdtempSync(join(tmpdir(), 'keywarden-audit-export-'));
      const remove = () => rmSync(dir, { recursive: true, force: true });
      const file = join(dir, 'audit.jsonl');
      try {
        const summary = await exportAuditLog(store.db, file, {
          publicKey: context.auditKey,
          now: context.now,
        });
        await store.db.transaction().execute((trx) =>
          context.audit.append(trx, {
            type: 'audit.exported',
            actor: user.person,
            data: {
              entries: summary.entries,
              checkpoints: summary.checkpoints,
              headSeq: summary.head?.seq ?? 0,
              keyId: context.auditKey.keyId,
              via: user.tokenId ? 'api-token' : 'console',
            },
          }),
        );
      } catch (error) {
        remove();
        throw error;
      }
      const stream = createReadStream(file);
      stream.on('close', remove);
      const day = context.now().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'application/jsonl; charset=utf-8')
        .header('content-disposition', `attachment; filename="keywarden-audit-${day}.jsonl"`)
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );
};
