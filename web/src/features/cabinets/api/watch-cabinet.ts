/**
 * Keeps one cabinet's slot map live: GET /api/v1/cabinets/{cabinet}/events (Server-Sent Events) sends the
 * cabinet at once and on each change, and each one replaces the cached GET answer. EventSource sends the
 * session cookie and reconnects by itself; while it is down the page says so and re-reads every 15 s.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { cabinetDetailSchema, cabinetQueryKey } from './get-cabinet';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

export function useCabinetEvents(id: string): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    const source = new EventSource(`/api/v1/cabinets/${encodeURIComponent(id)}/events`);
    source.onopen = () => setState('live');
    source.onerror = () => setState('reconnecting');
    source.addEventListener('cabinet', (event) => {
      const parsed = z
        .object({ cabinet: cabinetDetailSchema })
        .safeParse(JSON.parse((event as MessageEvent).data));
      if (parsed.success) {
        client.setQueryData(cabinetQueryKey(id), parsed.data.cabinet);
        setState('live');
      }
    });
    // Without the stream (a proxy that cuts it), fall back to re-reading.
    const poll = setInterval(() => {
      if (source.readyState !== EventSource.OPEN)
        void client.invalidateQueries({ queryKey: cabinetQueryKey(id) });
    }, 15_000);
    return () => {
      clearInterval(poll);
      source.close();
    };
  }, [id, client]);
  return state;
}
