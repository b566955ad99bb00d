/**
 * The shape of a policy file as ../shared/policy-format.md defines it (a public contract: extend with optional
 * fields only). These schemas check structure; cross-references and meaning are checked in validate-policy.ts.
 */
import { z } from 'zod';

export const FACTOR_KINDS = ['pin', 'badge', 'fingerprint', 'totp'] as const;
export type FactorKind = (typeof FACTOR_KINDS)[number];

export const SENSITIVITIES = ['normal', 'restricted', 'critical'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const NOTIFICATION_EVENTS = [
  'checkout',
  'return',
  'denied',
  'overdue',
  'approval-requested',
  'door-open',
  'cabinet-offline',
  'policy-changed',
] as const;
export const CHANNELS = ['email', 'sms', 'webhook', 'in-app'] as const;
export const CONSEQUENCE_EVENTS = ['denied', 'overdue', 'unauthorised-removal'] as const;

const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
export const idSchema = z.string().regex(ID_PATTERN, 'must be lowercase letters, digits and dashes');
const idList = z.array(idSchema);
const text = z.string().min(1, 'must not be empty');

/** `"HH:MM-HH:MM"`; its meaning is checked by parseWindow so that the message can say what is wrong. */
const windowText = z.string();
const weeklyWindows = z.strictObject(
  Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(windowText).optional()])) as Record<
    Weekday,
    z.ZodOptional<z.ZodArray<z.ZodString>>
  >,
);
export type WeeklyWindows = z.infer<typeof weeklyWindows>;

const dateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const durationText = z.string();

const witnessSchema = z.union([z.boolean(), z.strictObject({ roles: idList.min(1) })]);
export const conditionsSchema = z.strictObject({
  factors: z.number().int().min(1).max(FACTOR_KINDS.length).optional(),
  factorKinds: z.array(z.enum(FACTOR_KINDS)).min(1).optional(),
  reason: z.enum(['required', 'optional']).optional(),
  reasons: idList.optional(),
  approval: z.string().optional(),
  witness: witnessSchema.optional(),
  maxDuration: durationText.optional(),
  maxKeysOut: z.number().int().min(1).optional(),
});
export type ConditionsFile = z.infer<typeof conditionsSchema>;

export const siteSchema = z.strictObject({
  id: idSchema,
  name: text,
  timezone: z.string(),
  businessHours: weeklyWindows.optional(),
  holidays: z
    .strictObject({
      country: z.string().optional(),
      region: z.string().optional(),
      closed: z.array(dateText).optional(),
      open: z.array(dateText).optional(),
    })
    .optional(),
});
export const scheduleSchema = z.strictObject({ id: idSchema, name: text, windows: weeklyWindows });
export const cabinetSchema = z.strictObject({
  id: idSchema,
  site: idSchema,
  name: text,
  slots: z.number().int().min(1),
});
export const keyGroupSchema = z.strictObject({
  id: idSchema,
  name: text,
  sensitivity: z.enum(SENSITIVITIES).optional(),
});
export const keySchema = z.strictObject({
  id: idSchema,
  label: text,
  group: idSchema,
  cabinet: idSchema,
  slot: z.number().int().min(1),
  sensitivity: z.enum(SENSITIVITIES).optional(),
});
export const roleSchema = z.strictObject({ id: idSchema, name: text });
export const personSchema = z.strictObject({
  id: idSchema,
  name: text,
  roles: idList.default([]),
  supervisor: idSchema.optional(),
  email: z.email('must be an e-mail address').optional(),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an international number such as +15125550100')
    .optional(),
  active: z.boolean().optional(),
});
export const reasonSchema = z.strictObject({ id: idSchema, label: text });
export const ruleSchema = z.strictObject({
  id: idSchema,
  description: z.string().optional(),
  who: z.strictObject({ roles: idList.optional(), people: idList.optional() }),
  keys: z.strictObject({ groups: idList.optional(), keys: idList.optional() }),
  when: z.string().default('always'),
  require: conditionsSchema.optional(),
  afterHours: conditionsSchema.optional(),
});
export const notificationSchema = z.strictObject({
  id: idSchema,
  on: z.array(z.enum(NOTIFICATION_EVENTS)).min(1),
  when: z
    .strictObject({
      afterHours: z.boolean().optional(),
      sensitivity: z.array(z.enum(SENSITIVITIES)).min(1).optional(),
      // Optional extensions for routing by place and kind of key (compatible additions to the format).
      sites: idList.optional(),
      groups: idList.optional(),
    })
    .optional(),
  to: z.array(z.string()).min(1),
  via: z.array(z.enum(CHANNELS)).min(1),
  escalate: z.strictObject({ after: durationText, to: z.array(z.string()).min(1) }).optional(),
});
export const consequenceSchema = z.strictObject({
  on: z.enum(CONSEQUENCE_EVENTS),
  count: z.number().int().min(1).optional(),
  within: durationText.optional(),
  after: durationText.optional(),
  // biome-ignore lint/suspicious/noThenProperty: `then` is the policy format's own field name.
  then: z.array(z.string()).min(1),
});

export const policyHeaderSchema = z.strictObject({
  name: text,
  owner: idSchema,
  reviewEveryDays: z.number().int().min(1).optional(),
  accessReviewEveryDays: z.number().int().min(1).optional(),
});
export const defaultsSchema = z.strictObject({ afterHours: conditionsSchema.optional() });

/** The list sections of a policy file, each validated item by item so one bad item hides nothing else. */
export const SECTION_SCHEMAS = {
  sites: siteSchema,
  schedules: scheduleSchema,
  cabinets: cabinetSchema,
  keyGroups: keyGroupSchema,
  keys: keySchema,
  roles: roleSchema,
  people: personSchema,
  reasons: reasonSchema,
  rules: ruleSchema,
  notifications: notificationSchema,
  consequences: consequenceSchema,
} as const;
export type SectionName = keyof typeof SECTION_SCHEMAS;

export type SiteFile = z.infer<typeof siteSchema>;
export type ScheduleFile = z.infer<typeof scheduleSchema>;
export type CabinetFile = z.infer<typeof cabinetSchema>;
export type KeyGroupFile = z.infer<typeof keyGroupSchema>;
export type KeyFile = z.infer<typeof keySchema>;
export type RoleFile = z.infer<typeof roleSchema>;
export type PersonFile = z.infer<typeof personSchema>;
export type ReasonFile = z.infer<typeof reasonSchema>;
export type RuleFile = z.infer<typeof ruleSchema>;
export type NotificationFile = z.infer<typeof notificationSchema>;
export type ConsequenceFile = z.infer<typeof consequenceSchema>;

/** A policy file whose structure is valid; cross-references are checked by validatePolicy. */
export interface PolicyFile {
  policy: z.infer<typeof policyHeaderSchema>;
  defaults: z.infer<typeof defaultsSchema>;
  sites: SiteFile[];
  schedules: ScheduleFile[];
  cabinets: CabinetFile[];
  keyGroups: KeyGroupFile[];
  keys: KeyFile[];
  roles: RoleFile[];
  people: PersonFile[];
  reasons: ReasonFile[];
  rules: RuleFile[];
  notifications: NotificationFile[];
  consequences: ConsequenceFile[];
}
