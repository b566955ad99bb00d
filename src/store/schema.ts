/**
 * The database as Kysely sees it. Row types stay inside src/store and the concept folders' queries; they are
 * mapped to domain types before they leave. Dialect-neutral choices, so both databases behave the same:
 * times are ISO 8601 UTC text (`2026-11-27T08:30:00.000Z`, which sorts as time does), booleans are 0/1
 * integers, structured values are JSON text.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** ISO 8601 UTC text. */
export type Timestamp = string;
/** 0 or 1. */
export type Flag = number;

export interface PolicyVersionTable {
  version: number;
  name: string;
  /** The file exactly as imported, for rendering and diffing what a person wrote. */
  source: string;
  /** The validated policy as JSON. */
  document: string;
  sha256: string;
  status: 'draft' | 'active' | 'superseded' | 'rejected';
  created_by: string;
  created_at: Timestamp;
  approved_by: string | null;
  approved_at: Timestamp | null;
}

export interface SiteTable {
  id: string;
  name: string;
  timezone: string;
  updated_at: Timestamp;
}

export interface CabinetTable {
  id: string;
  site_id: string;
  name: string;
  slot_count: number;
  online: Generated<Flag>;
  last_seen_at: Timestamp | null;
  updated_at: Timestamp;
  /** The cabinet protocol (src/cabinets/protocol): the door as last reported, null before any report. */
  door: 'open' | 'closed' | null;
  door_changed_at: Timestamp | null;
  /** Set when a door held open was announced (door-open), once per opening. */
  door_alerted_at: Timestamp | null;
  /** When the current outage began (cabinet-offline sent); null while online or never connected. */
  offline_since: Timestamp | null;
  /** JSON `{ "<slot>": "<fob tag>" | null }` as the cabinet last reported; null before any report. */
  reported_slots: string | null;
}

/** A slot release sent after a checkout (src/cabinets/protocol), until the cabinet reports the key removed. */
export interface CabinetReleaseTable {
  checkout_id: string;
  cabinet_id: string;
  slot: number;
  key_id: string;
  created_at: Timestamp;
  until: Timestamp;
  /** Null when the cabinet was not connected (status not-sent). */
  sent_at: Timestamp | null;
  status: 'pending' | 'not-sent' | 'confirmed' | 'timed-out';
  resolved_at: Timestamp | null;
}

export interface SlotTable {
  cabinet_id: string;
  number: number;
  /** The key in the slot now, as the cabinet last reported it. */
  key_id: string | null;
}

export interface KeyGroupTable {
  id: string;
  name: string;
  sensitivity: 'normal' | 'restricted' | 'critical';
}

export type KeyStatus = 'in' | 'out' | 'missing' | 'retired';

export interface KeyTable {
  id: string;
  tag_id: string | null;
  label: string;
  group_id: string;
  cabinet_id: string;
  slot: number;
  /** Overrides the group's sensitivity when set. */
  sensitivity: 'normal' | 'restricted' | 'critical' | null;
  status: KeyStatus;
  current_checkout_id: string | null;
  updated_at: Timestamp;
}

export interface RoleTable {
  id: string;
  name: string;
}

export interface PersonTable {
  id: string;
  name: string;
  supervisor_id: string | null;
  email: string | null;
  phone: string | null;
  active: Flag;
  updated_at: Timestamp;
}

export interface PersonRoleTable {
  person_id: string;
  role_id: string;
}

export interface CredentialTable {
  id: string;
  person_id: string;
  /** `passkey`: a console user's WebAuthn credential (the console's second factor), apart from cabinet fingerprints. */
  kind: 'pin' | 'badge' | 'fingerprint' | 'totp' | 'password' | 'passkey';
  /** Badge number (normalised) or WebAuthn credential id: what a lookup searches by. */
  lookup: string | null;
  /** argon2id hash, or encrypted secret, never the secret itself. */
  secret: string | null;
  data: string | null;
  /** TOTP: the last time step accepted (each code works once). WebAuthn: the signature counter. */
  counter: number | null;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface CabinetTokenTable {
  id: string;
  cabinet_id: string;
  /** SHA-256 of the token: a 256-bit random secret needs no slow hash, and a hash can be looked up. */
  token_hash: string;
  created_at: Timestamp;
  created_by: string | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface TerminalSessionTable {
  id: string;
  cabinet_id: string;
  person_id: string;
  /** JSON list of factor kinds verified in this session. */
  factors: string;
  witness_id: string | null;
  witness_factors: string | null;
  created_at: Timestamp;
  last_active_at: Timestamp;
  expires_at: Timestamp;
  ended_at: Timestamp | null;
  end_reason: string | null;
}

export interface FactorLockoutTable {
  person_id: string;
  consecutive_failures: number;
  /** Lockouts so far: each one lasts twice as long as the one before, until a success resets it. */
  lockouts: number;
  locked_until: Timestamp | null;
  updated_at: Timestamp;
}

export interface WebauthnChallengeTable {
  id: string;
  person_id: string | null;
  session_id: string | null;
  /** Fingerprints: register, authenticate. Console passkeys (src/console/passkeys.service.ts): passkey-register, passkey-sign-in. */
  purpose: 'register' | 'authenticate' | 'passkey-register' | 'passkey-sign-in';
  challenge: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface CheckoutTable {
  id: string;
  key_id: string;
  person_id: string;
  cabinet_id: string;
  slot: number;
  taken_at: Timestamp;
  due_at: Timestamp | null;
  reason: string | null;
  note: string | null;
  /** JSON list of factor kinds used. */
  factors: string;
  approver_id: string | null;
  witness_id: string | null;
  after_hours: Flag;
  policy_version: number;
  rule_id: string;
  status: 'open' | 'returned';
  returned_at: Timestamp | null;
  returned_by: string | null;
  return_cabinet_id: string | null;
  return_slot: number | null;
  late: Flag | null;
  wrong_slot: Flag | null;
}

export interface ApprovalTable {
  id: string;
  person_id: string;
  key_id: string;
  cabinet_id: string;
  reason: string | null;
  /** `supervisor` or `role:<id>`, as the rule names it. */
  approver_rule: string;
  /** `used` once a checkout has consumed the approval. */
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'used';
  requested_at: Timestamp;
  expires_at: Timestamp;
  decided_at: Timestamp | null;
  decided_by: string | null;
  session_id: string | null;
  link_token_hash: string | null;
}

/** A one-time approval link of one approver (src/approvals/approval-links.ts); only the token's SHA-256. */
export interface ApprovalLinkTable {
  token_hash: string;
  approval_id: string;
  /** The approver the link was made for: deciding through it needs their password and authenticator. */
  person_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface IncidentTable {
  id: string;
  kind: string;
  status: 'open' | 'closed';
  person_id: string | null;
  key_id: string | null;
  checkout_id: string | null;
  owner_id: string | null;
  summary: string;
  opened_at: Timestamp;
  closed_at: Timestamp | null;
  resolution: string | null;
}

export interface AuditEntryTable {
  seq: number;
  at: Timestamp;
  type: string;
  actor_id: string | null;
  person_id: string | null;
  key_id: string | null;
  cabinet_id: string | null;
  policy_version: number | null;
  /** Canonical JSON of the entry's details. */
  data: string;
  prev_hash: string;
  hash: string;
}

/** One row (id 1): the chain head, locked while an entry is appended so sequence numbers stay contiguous. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
  updated_at: Timestamp;
}

export interface AuditCheckpointTable {
  seq: number;
  hash: string;
  signed_at: Timestamp;
  /** Base64 Ed25519 signature over the checkpoint statement. */
  signature: string;
  /** SHA-256 fingerprint of the public key that signed. */
  key_id: string;
}

/** email | sms | webhook | in-app */
export type NotificationChannel = 'email' | 'sms' | 'webhook' | 'in-app';

/**
 * One message to send (see migration 2026-11-27T22-notification-messages). `address` is an e-mail address,
 * a phone number (E.164), a webhook endpoint id, or for in-app the person id. `payload` is the event as
 * JSON (the webhook body). status: pending (due at next_attempt_at), sending (claimed), sent, dead (gave up
 * after the last attempt; an admin may retry it).
 */
export interface NotificationMessageTable {
  id: string;
  idempotency_key: string;
  event_id: string | null;
  event_type: string;
  /** The policy's notification rule id, or e.g. `consequence:0`, `system:test`. */
  rule_id: string | null;
  channel: NotificationChannel;
  recipient_person_id: string | null;
  address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  payload: string;
  status: 'pending' | 'sending' | 'sent' | 'dead';
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  /** In-app inbox: when the recipient read it. */
  read_at: Timestamp | null;
  last_error: string | null;
}

/** SMTP or SMS provider settings (migration 2026-11-27T23-notification-channels); the secret sealed. */
export interface NotificationSettingTable {
  channel: 'smtp' | 'sms';
  /** The settings without the secret, as JSON (src/notifications/channel-settings.ts). */
  config: string;
  /** The SMTP password or the SMS auth token, sealed with the secrets key. */
  secret_sealed: string | null;
  /** The secret's last characters, to show which one is set. */
  secret_hint: string | null;
  updated_at: Timestamp;
  updated_by: string;
}

/** A webhook endpoint: where signed event webhooks go (Standard Webhooks). */
export interface WebhookEndpointTable {
  id: string;
  url: string;
  description: string;
  /** JSON array of event types; empty: every event. */
  event_types: string;
  active: Flag;
  /** The `whsec_...` signing secret, sealed with the secrets key. */
  secret_sealed: string;
  secret_hint: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OutboxTable {
  id: string;
  /** Unique per message: a retry after a crash can never send twice. */
  idempotency_key: string;
  event_type: string;
  payload: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: ColumnType<number, number | undefined, number>;
  available_at: Timestamp;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  last_error: string | null;
}

/** Console roles: 'admin' | 'key-manager' | 'supervisor' | 'auditor' (src/domain/console/console-roles.ts). */
export interface ConsoleRoleTable {
  person_id: string;
  role: string;
}

export interface ConsoleSessionTable {
  /** SHA-256 (hex) of the cookie token: the token itself is never stored. */
  id: string;
  person_id: string;
  /** SHA-256 (hex) of the CSRF token given at sign-in. */
  csrf_token_hash: string;
  created_at: Timestamp;
  last_active_at: Timestamp;
  /** The absolute end (12 hours after sign-in); the idle end is last_active_at + 30 minutes. */
  expires_at: Timestamp;
  ended_at: Timestamp | null;
  end_reason: string | null;
}

/** An API token for an integration (migration 2026-11-28T01-api-tokens; src/console/api-tokens.service.ts). */
export interface ApiTokenTable {
  id: string;
  name: string;
  /** SHA-256 (hex) of the token: the token itself is shown once and never stored. */
  token_hash: string;
  /** The token's first characters (`kwt_AbCd1234`), to recognise it in a list. */
  prefix: string;
  /** JSON list of console roles. */
  roles: string;
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
}

/** Named counters: `directory` moves with every change to people, roles or keys. */
export interface RevisionTable {
  name: string;
  value: number;
}

/* Notification rules at work (migration 2026-11-28T00-incidents-escalations). */

/** A template edited for one notification rule and channel; the built-in default applies when absent. */
export interface NotificationTemplateTable {
  rule_id: string;
  channel: NotificationChannel;
  subject: string;
  body_text: string;
  body_html: string | null;
  updated_by: string;
  updated_at: Timestamp;
}

/** One escalating rule's progress for one event: the next step is due at next_at while open. */
export interface NotificationEscalationTable {
  id: string;
  event_id: string;
  rule_id: string;
  step: number;
  status: 'open' | 'acknowledged' | 'exhausted' | 'cancelled';
  next_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A one-time acknowledgement link: SHA-256 (hex) of its token, never the token. */
export interface NotificationAckTokenTable {
  token_hash: string;
  event_id: string;
  person_id: string | null;
  address: string;
  created_at: Timestamp;
  used_at: Timestamp | null;
}

/** Who acknowledged an event first (a person id, or `email:<address>`), and how. */
export interface NotificationAcknowledgementTable {
  event_id: string;
  acknowledged_by: string;
  via: 'link' | 'console';
  acknowledged_at: Timestamp;
}

/** What the overdue scheduler did for a checkout, once each: 'reminder' | 'overdue'. */
export interface CheckoutAlertTable {
  checkout_id: string;
  kind: string;
  at: Timestamp;
}

/** A policy consequence that fired (index into the policy's consequences), once per firing_key. */
export interface ConsequenceFiringTable {
  firing_key: string;
  consequence: number;
  on_event: string;
  person_id: string | null;
  event_id: string | null;
  at: Timestamp;
}

/** An incident's timeline: what opened it, events, notes, assignments, the close. */
export interface IncidentTimelineTable {
  id: string;
  incident_id: string;
  /** 1, 2, ... per incident: the order of the timeline. */
  seq: number;
  at: Timestamp;
  kind: 'opened' | 'event' | 'note' | 'assigned' | 'closed';
  actor_id: string | null;
  event_type: string | null;
  event_id: string | null;
  text: string | null;
}

export interface DB {
  policy_versions: PolicyVersionTable;
  sites: SiteTable;
  cabinets: CabinetTable;
  slots: SlotTable;
  key_groups: KeyGroupTable;
  keys: KeyTable;
  roles: RoleTable;
  people: PersonTable;
  person_roles: PersonRoleTable;
  credentials: CredentialTable;
  checkouts: CheckoutTable;
  approvals: ApprovalTable;
  approval_links: ApprovalLinkTable;
  incidents: IncidentTable;
  audit_entries: AuditEntryTable;
  audit_head: AuditHeadTable;
  audit_checkpoints: AuditCheckpointTable;
  outbox: OutboxTable;
  notification_messages: NotificationMessageTable;
  notification_settings: NotificationSettingTable;
  webhook_endpoints: WebhookEndpointTable;
  cabinet_tokens: CabinetTokenTable;
  cabinet_releases: CabinetReleaseTable;
  terminal_sessions: TerminalSessionTable;
  factor_lockouts: FactorLockoutTable;
  webauthn_challenges: WebauthnChallengeTable;
  revisions: RevisionTable;
  console_roles: ConsoleRoleTable;
  console_sessions: ConsoleSessionTable;
  api_tokens: ApiTokenTable;
  notification_templates: NotificationTemplateTable;
  notification_escalations: NotificationEscalationTable;
  notification_ack_tokens: NotificationAckTokenTable;
  notification_acknowledgements: NotificationAcknowledgementTable;
  checkout_alerts: CheckoutAlertTable;
  consequence_firings: ConsequenceFiringTable;
  incident_timeline: IncidentTimelineTable;
}

export type CheckoutRow = Selectable<CheckoutTable>;
export type NewCheckoutRow = Insertable<CheckoutTable>;
export type KeyRow = Selectable<KeyTable>;
export type PersonRow = Selectable<PersonTable>;
export type AuditEntryRow = Selectable<AuditEntryTable>;
export type AuditCheckpointRow = Selectable<AuditCheckpointTable>;
export type PolicyVersionRow = Selectable<PolicyVersionTable>;
