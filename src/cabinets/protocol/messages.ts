/**
 * The cabinet protocol's messages (docs/cabinet-protocol.md), as Zod schemas both ends share: the server
 * validates every frame a cabinet sends with them, and the simulator (in Node or in a browser) validates
 * what the server sends. This file imports nothing but Zod, so that a browser bundle can use it.
 */
import { z } from 'zod';

/** The protocol's name and version; also the WebSocket subprotocol the server selects. */
export const CABINET_PROTOCOL = 'keywarden-cabinet.v1';
/**
 * A browser cannot set an Authorization header on a WebSocket; it offers the token as a second subprotocol,
 * `bearer.<token>`, which the server reads and never selects (so it is never echoed back).
 */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';
/** Larger frames close the connection (1009); the largest legitimate frame is a hello of a big cabinet. */
export const MAX_FRAME_BYTES = 64 * 1024;

const messageId = z.string().min(1).max(64).describe('unique per sender and connection; acks refer to it');
const slot = z.number().int().min(1).max(10_000);
/** The fob's tag as the cabinet's reader sees it (the key's tag id; the key id for keys without one). */
const fobTag = z.string().min(1).max(100);
const instant = z.iso.datetime({ offset: true }).describe('ISO 8601; when it happened at the cabinet');
export const DOOR_STATES = ['open', 'closed'] as const;
export type DoorState = (typeof DOOR_STATES)[number];

// Cabinet -> server. Unknown extra fields are ignored, so that a newer cabinet can talk to an older server.
export const helloMessage = z.object({
  type: z.literal('hello'),
  id: messageId,
  protocol: z.string().max(100),
  slots: z
    .array(z.object({ slot, key: fobTag.nullable() }))
    .max(10_000)
    .describe('every slot the cabinet has, with the fob tag in it (null: empty)'),
  door: z.enum(DOOR_STATES),
  at: instant.optional(),
});
export const removedMessage = z.object({
  type: z.literal('removed'),
  id: messageId,
  slot,
  key: fobTag,
  at: instant.optional(),
});
export const insertedMessage = z.object({
  type: z.literal('inserted'),
  id: messageId,
  slot,
  key: fobTag,
  at: instant.optional(),
});
export const doorMessage = z.object({
  type: z.literal('door'),
  id: messageId,
  state: z.enum(DOOR_STATES),
  at: instant.optional(),
});
export const heartbeatMessage = z.object({
  type: z.literal('heartbeat'),
  id: messageId,
  at: instant.optional(),
});
/** The cabinet acknowledges a server message (release, lock) it has carried out. */
export const cabinetAckMessage = z.object({ type: z.literal('ack'), id: messageId, of: messageId });

export const cabinetMessage = z.discriminatedUnion('type', [
  helloMessage,
  removedMessage,
  insertedMessage,
  doorMessage,
  heartbeatMessage,
  cabinetAckMessage,
]);
export type CabinetMessage = z.infer<typeof cabinetMessage>;
export type HelloMessage = z.infer<typeof helloMessage>;

// Server -> cabinet.
export const releaseMessage = z.object({
  type: z.literal('release'),
  id: messageId,
  slot,
  key: fobTag,
  checkout: z.string(),
  until: z.iso.datetime({ offset: true }).describe('server time: after it the release is undone'),
  withinMs: z.number().int().min(0).describe('the same window, relative to receipt (cabinet clocks drift)'),
});
export const lockMessage = z.object({ type: z.literal('lock'), id: messageId, slot });
export const serverAckMessage = z.object({
  type: z.literal('ack'),
  id: messageId,
  of: messageId,
  /** What the message did, e.g. `removal-confirmed`, `unauthorised-removal`, `returned`. */
  outcome: z.string().optional(),
  /** On the hello's ack: the heartbeat interval and the release window the server uses. */
  heartbeatMs: z.number().int().optional(),
  releaseTimeoutMs: z.number().int().optional(),
  late: z.boolean().optional(),
  wrongSlot: z.boolean().optional(),
});
export const errorMessage = z.object({
  type: z.literal('error'),
  id: messageId,
  /** The cabinet message refused, when it had a readable id. */
  of: messageId.nullable(),
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});

export const serverMessage = z.discriminatedUnion('type', [
  releaseMessage,
  lockMessage,
  serverAckMessage,
  errorMessage,
]);
export type ServerMessage = z.infer<typeof serverMessage>;
export type ReleaseMessage = z.infer<typeof releaseMessage>;
export type ServerAck = z.infer<typeof serverAckMessage>;
export type ErrorMessage = z.infer<typeof errorMessage>;

/** WebSocket close codes the server uses (4000-4999 are the application's). */
export const CLOSE_CODES = {
  /** Another connection of the same cabinet took over. */
  replaced: 4000,
  /** No hello in time, or a first message other than hello. */
  helloRequired: 4001,
  /** Too many frames: the budget is in docs/cabinet-protocol.md. */
  tooManyFrames: 4002,
  /** The cabinet's token was revoked (noticed at a heartbeat, within the last-seen interval). */
  tokenRevoked: 4003,
  /** The server is shutting down. */
  goingAway: 1001,
} as const;
