/**
 * Policy versions over HTTP: list, one version, its written procedure (HTML or Markdown), the diff against
 * another version in words; and, with the console's services, import a file as a draft and approve a draft
 * (never one's own: a second person). Who may do which is in ROUTE_ACCESS (policy.read, policy.manage,
 * policy.approve).
 */
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { SignedInUser } from '../console/console-auth.js';
import { KeywardenError } from '../domain/errors.js';
import { diffPolicies, formatPolicyDiff } from '../domain/policy/diff-policy.js';
import { nextReviewAt } from '../domain/policy/next-review.js';
import { formatPath, type PolicyProblem } from '../domain/policy/problems.js';
import { renderProcedure } from '../domain/procedure/render-procedure.js';
import { errorSchema, timestamp } from '../http/schemas.js';
import type { Store } from '../store/database.js';
import {
  approvePolicyVersion,
  getPolicyVersion,
  importPolicyVersion,
  listPolicyVersions,
} from './policy-versions.service.js';

/** A policy file is text: YAML (or JSON, which is YAML) sent as the body, or `{ "source": "..." }`. */
const POLICY_TEXT_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];
/** Policy files of thousands of people run to a few hundred kilobytes; the server's 1 MiB limit holds. */
const MAX_POLICY_CHARS = 1024 * 1024;

const problemSchema = z.object({
  path: z.string().describe('where in the file, e.g. rules[1].keys.groups[0]'),
  line: z.number().int().nullable().describe('1-based line in the file, when known'),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
});

function publicProblem(problem: PolicyProblem): z.infer<typeof problemSchema> {
  return {
    path: formatPath(problem.path),
    line: problem.line ?? null,
    severity: problem.severity,
    message: problem.message,
  };
}

/** The person acting: policy is written and approved by people, never by an integration's API token. */
function actingPerson(user: SignedInUser | undefined): string {
  if (!user?.sessionId)
    throw new KeywardenError('forbidden', 'policy versions are imported and approved by a person signed in');
  return user.person;
}

const changeSchema = z.object({
  kind: z.enum(['added', 'removed', 'changed']),
  section: z.string(),
  id: z.string().nullable(),
  path: z.string(),
  summary: z.string().describe('one plain-English sentence'),
  loosens: z.boolean().describe('true when the change weakens control: read these first'),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});

const versionSchema = z.object({
  version: z.number().int(),
  name: z.string(),
  status: z.enum(['draft', 'active', 'superseded', 'rejected']),
  sha256: z.string(),
  createdBy: z.string(),
  createdAt: timestamp,
  approvedBy: z.string().nullable(),
  approvedAt: timestamp.nullable(),
});

export const policyVersionsRoutes: FastifyPluginAsyncZod<{
  store: Store;
  now: () => Date;
  /** The audit log and clock that import and approval write with; without it those two routes are absent. */
  context?: { audit: AuditLog; now: () => Date };
}> = async (app, { store, now, context }) => {
  app.get(
    '/api/v1/policy-versions',
    {
      schema: {
        tags: ['policy'],
        summary: 'Every policy version, newest first',
        response: { 200: z.object({ versions: z.array(versionSchema) }) },
      },
    },
    async () => ({ versions: await listPolicyVersions(store.db) }),
  );

  app.get(
    '/api/v1/policy-versions/:version',
    {
      schema: {
        tags: ['policy'],
        summary: 'One policy version with its source text',
        params: z.object({ version: z.coerce.number().int().min(1) }),
        response: {
          200: z.object({
            version: versionSchema,
            source: z.string(),
            review: z
              .object({
                everyDays: z.number().int().nullable().describe('policy.reviewEveryDays; null when not set'),
                nextAt: timestamp
                  .nullable()
                  .describe('approval date plus everyDays; null when either is missing'),
              })
              .describe('when the procedure is next due for review'),
          }),
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const { summary, source, policy } = await getPolicyVersion(store.db, request.params.version);
      const everyDays = policy.policy.reviewEveryDays;
      return {
        version: summary,
        source,
        review: { everyDays: everyDays ?? null, nextAt: nextReviewAt(everyDays, summary.approvedAt) },
      };
    },
  );

  app.get(
    '/api/v1/policy-versions/:version/procedure',
    {
      schema: {
        tags: ['policy'],
        summary: 'The written after-hours procedure of a version (text/html or text/markdown)',
        params: z.object({ version: z.coerce.number().int().min(1) }),
        querystring: z.object({
          format: z.enum(['html', 'md']).default('html'),
          year: z.coerce.number().int().min(1970).max(2200).optional(),
        }),
        response: { 200: z.string(), 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { policy } = await getPolicyVersion(store.db, request.params.version);
      const { format, year } = request.query;
      reply.type(format === 'html' ? 'text/html; charset=utf-8' : 'text/markdown; charset=utf-8');
      // Policy text is escaped when rendered; the policy forbids any script or fetch all the same.
      if (format === 'html')
        reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      return renderProcedure(policy, { format, year: year ?? now().getUTCFullYear() });
    },
  );

  app.get(
    '/api/v1/policy-versions/:version/diff',
    {
      schema: {
        tags: ['policy'],
        summary: 'What changed from another version to this one, in words; changes that loosen control first',
        description:
          '`against` defaults to the active version (what approving this one would replace). `format=json` (default) answers the changes as data with a `text` rendering; `text` and `md` answer text/plain or text/markdown.',
        params: z.object({ version: z.coerce.number().int().min(1) }),
        querystring: z.object({
          against: z.coerce.number().int().min(1).optional(),
          format: z.enum(['json', 'text', 'md']).default('json'),
        }),
        response: {
          200: z.union([
            z.object({
              from: z.number().int(),
              to: z.number().int(),
              changes: z.array(changeSchema),
              loosening: z.number().int().describe('how many changes loosen control'),
              text: z.string(),
            }),
            z.string(),
          ]),
          400: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { version } = request.params;
      let against = request.query.against;
      if (against === undefined) {
        const active = (await listPolicyVersions(store.db)).find((v) => v.status === 'active');
        if (!active || active.version === version)
          throw new KeywardenError(
            'invalid_request',
            `say which version to compare version ${version} with: ?against=N`,
          );
        against = active.version;
      }
      const before = await getPolicyVersion(store.db, against);
      const after = await getPolicyVersion(store.db, version);
      // Stable sort: loosening changes first, each group in the file's section order.
      const changes = diffPolicies(before.policy, after.policy).sort(
        (a, b) => Number(b.loosens) - Number(a.loosens),
      );
      const { format } = request.query;
      if (format !== 'json') {
        reply.type(format === 'md' ? 'text/markdown; charset=utf-8' : 'text/plain; charset=utf-8');
        return `${formatPolicyDiff(changes, { format })}\n`;
      }
      return {
        from: against,
        to: version,
        changes,
        loosening: changes.filter((change) => change.loosens).length,
        text: formatPolicyDiff(changes, { format: 'text' }),
      };
    },
  );

  if (!context) return;

  await app.register(async (plugin) => {
    const writes = plugin.withTypeProvider<ZodTypeProvider>();
    // Only here, inside this encapsulated plugin: the rest of the API keeps accepting JSON alone.
    writes.addContentTypeParser(
      POLICY_TEXT_TYPES,
      { parseAs: 'string', bodyLimit: MAX_POLICY_CHARS },
      (_request, body, done) => done(null, String(body)),
    );

    writes.post(
      '/api/v1/policy-versions',
      {
        schema: {
          tags: ['policy'],
          summary: 'Import a policy file as a new draft version (the signed-in person is its author)',
          consumes: [...POLICY_TEXT_TYPES, 'application/json'],
          description:
            'Send the file as the body (`Content-Type: application/yaml`, `text/yaml` or `text/plain`) or as JSON `{ "source": "..." }`. The directory and inventory are filled from it at once; the rules apply only after a second person approves the draft. A file with errors answers 422 policy_invalid with every problem (path, line, message) in `details.problems`.',
          body: z.union([
            z.string().min(1).max(MAX_POLICY_CHARS),
            z.object({ source: z.string().min(1).max(MAX_POLICY_CHARS) }),
          ]),
          response: {
            201: z.object({
              version: versionSchema,
              warnings: z.array(problemSchema),
              directory: z.object({ created: z.number().int(), updated: z.number().int() }),
            }),
            400: errorSchema,
            403: errorSchema,
            415: errorSchema,
            422: errorSchema,
          },
        },
      },
      async (request, reply) => {
        const by = actingPerson(request.consoleUser);
        const source = typeof request.body === 'string' ? request.body : request.body.source;
        try {
          const result = await store.db
            .transaction()
            .execute((trx) => importPolicyVersion(trx, context, { source, by }));
          return reply.status(201).send({
            version: result.version,
            warnings: result.warnings.map(publicProblem),
            directory: result.directory,
          });
        } catch (error) {
          if (error instanceof KeywardenError && error.code === 'policy_invalid') {
            const problems = ((error.details?.problems ?? []) as PolicyProblem[]).map(publicProblem);
            const errors = problems.filter((p) => p.severity === 'error').length;
            throw new KeywardenError(
              'policy_invalid',
              `the policy has ${errors} ${errors === 1 ? 'error' : 'errors'}: ${problems
                .filter((p) => p.severity === 'error')
                .map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.path}: ${p.message}`)
                .join('; ')}`,
              { problems },
            );
          }
          throw error;
        }
      },
    );

    writes.post(
      '/api/v1/policy-versions/:version/approve',
      {
        schema: {
          tags: ['policy'],
          summary: 'Approve a draft: it becomes the active policy (never by its author)',
          description:
            'The signed-in person approves. 409 same_author when they wrote the draft, 409 policy_not_draft when it is not a draft.',
          params: z.object({ version: z.coerce.number().int().min(1) }),
          response: {
            200: z.object({ version: versionSchema }),
            403: errorSchema,
            404: errorSchema,
            409: errorSchema,
          },
        },
      },
      async (request) => {
        const by = actingPerson(request.consoleUser);
        const version = await store.db
          .transaction()
          .execute((trx) => approvePolicyVersion(trx, context, { version: request.params.version, by }));
        return { version };
      },
    );
  });
};
