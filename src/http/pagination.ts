/**
 * Cursor pagination for list endpoints: the cursor is an opaque token of the last row's sort key, and the
 * next page's URL goes in a `Link: <...>; rel="next"` header as well as in the body.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { KeywardenError } from '../domain/errors.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export const pageQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe('page size (1..500)'),
  cursor: z.string().max(500).optional().describe('opaque cursor from the previous page'),
};

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): (string | number)[] | null {
  if (cursor === undefined) return null;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.every((part) => typeof part === 'string' || typeof part === 'number'))
      return value;
  } catch {}
  throw new KeywardenError('invalid_request', 'the cursor is not one this server gave out');
}

/** Sets the Link header for the next page and returns its cursor (null on the last page). */
export function linkNextPage(
  request: FastifyRequest,
  reply: FastifyReply,
  nextKey: readonly (string | number)[] | null,
): string | null {
  if (!nextKey) return null;
  const cursor = encodeCursor(nextKey);
  const url = new URL(request.url, 'http://placeholder');
  url.searchParams.set('cursor', cursor);
  reply.header('Link', `<${url.pathname}${url.search}>; rel="next"`);
  return cursor;
}
