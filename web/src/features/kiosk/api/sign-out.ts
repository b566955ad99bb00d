import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';

/** Ends the session; an already ended one is fine. */
export async function signOut(session: string, token: string): Promise<void> {
  try {
    await apiRequest(`/api/v1/sessions/${encodeURIComponent(session)}`, z.unknown(), {
      method: 'DELETE',
      bearer: token,
    });
  } catch {
    // expired or gone: signed out either way
  }
}
