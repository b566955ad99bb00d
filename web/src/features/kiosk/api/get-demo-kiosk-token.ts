import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

/** Under `serve --demo` only, on this machine only: the cabinet's token, so the demo kiosk works at once. */
export async function getDemoKioskToken(cabinet: string): Promise<string | null> {
  try {
    const answer = await apiRequest(
      `/api/v1/demo/kiosk-tokens/${encodeURIComponent(cabinet)}`,
      z.object({ token: z.string() }),
    );
    return answer.token;
  } catch {
    return null; // not a demo: an administrator pastes the token
  }
}
