/** Shared OpenAPI/Zod schemas for responses. */
import { z } from 'zod';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('stable, machine-readable error code'),
      message: z.string().describe('what went wrong and what to do, for a person'),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .describe('Every error has this shape');

export const timestamp = z.string().describe('ISO 8601 UTC');
