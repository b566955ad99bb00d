/** Shapes the terminal API answers (docs/terminal-api.md), shared by this feature's requests. */
import { z } from 'zod';

export const FACTOR_KINDS = ['pin', 'badge', 'fingerprint', 'totp'] as const;
export type FactorKind = (typeof FACTOR_KINDS)[number];

export const sessionSchema = z.object({
  id: z.string(),
  cabinet: z.string(),
  person: z.string(),
  /** The person's display name, to greet them by. */
  personName: z.string(),
  factors: z.array(z.enum(FACTOR_KINDS)),
  witness: z.string().nullable(),
  afterHours: z.boolean(),
  expiresAt: z.string(),
});
export type TerminalSession = z.infer<typeof sessionSchema>;

export const missingSchema = z.object({
  factors: z.number().int().optional(),
  factorKinds: z.array(z.enum(FACTOR_KINDS)).optional(),
  reason: z.literal(true).optional(),
  approval: z.string().optional(),
  witness: z.literal(true).optional(),
});
export type Missing = z.infer<typeof missingSchema>;

export const approvalSchema = z.object({
  id: z.string(),
  person: z.string(),
  key: z.string(),
  reason: z.string().nullable(),
  approver: z.string(),
  status: z.enum(['pending', 'approved', 'denied', 'expired', 'used']),
  requestedAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
});
export type Approval = z.infer<typeof approvalSchema>;
