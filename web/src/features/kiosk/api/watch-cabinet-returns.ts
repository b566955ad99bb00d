/**
 * The cabinet's returns and undone checkouts as they happen: the SSE stream
 * GET /cabinets/{cabinet}/terminal-events, read with fetch (it needs the cabinet token, which EventSource
 * cannot send). The server ends the stream after 10 minutes, and a network blip ends it too: this reader
 * opens it again after a few seconds, for as long as the kiosk shows.
 */
import { useEffect } from 'react';
import { z } from 'zod';
import { readEventStream } from '../../../lib/event-stream';

const keySchema = z.object({ id: z.string(), label: z.string() });

export const cabinetReturnSchema = z.object({
  checkout: z.string(),
  key: keySchema,
  slot: z.number().int(),
  homeSlot: z.number().int(),
  returnedAt: z.string(),
  late: z.boolean(),
  lateByMinutes: z.number().int().nullable(),
  wrongSlot: z.boolean(),
});
export type CabinetReturn = z.infer<typeof cabinetReturnSchema>;

export const undoneCheckoutSchema = z.object({
  checkout: z.string(),
  key: keySchema,
  slot: z.number().int(),
  at: z.string(),
});
export type UndoneCheckout = z.infer<typeof undoneCheckoutSchema>;

export type CabinetHappening = ({ kind: 'return' } & CabinetReturn) | ({ kind: 'undone' } & UndoneCheckout);

const REOPEN_AFTER_MS = 5_000;

/** Calls `onHappening` for each return or undone checkout at the cabinet while the component is shown. */
export function useCabinetReturns(
  cabinet: string,
  token: string,
  onHappening: (happening: CabinetHappening) => void,
): void {
  useEffect(() => {
    const controller = new AbortController();
    const url = `/api/v1/cabinets/${encodeURIComponent(cabinet)}/terminal-events`;
    const follow = async (): Promise<void> => {
      while (!controller.signal.aborted) {
        try {
          await readEventStream(url, {
            bearer: token,
            signal: controller.signal,
            onEvent: (event, data) => {
              const value = JSON.parse(data) as unknown;
              if (event === 'return') {
                const parsed = cabinetReturnSchema.safeParse(value);
                if (parsed.success) onHappening({ kind: 'return', ...parsed.data });
              } else if (event === 'undone') {
                const parsed = undoneCheckoutSchema.safeParse(value);
                if (parsed.success) onHappening({ kind: 'undone', ...parsed.data });
              }
            },
          });
        } catch {
          // Closed or refused: a refused token is handled by the status query; try again shortly.
        }
        await new Promise((resolve) => setTimeout(resolve, REOPEN_AFTER_MS));
      }
    };
    void follow();
    return () => controller.abort();
  }, [cabinet, token, onHappening]);
}
