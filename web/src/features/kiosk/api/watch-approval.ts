/**
 * The live status of an approval request: the SSE stream GET /sessions/{id}/approvals/{approval}/events,
 * read with fetch (it needs the cabinet token). The server ends the stream after a final status.
 */
import { useEffect, useState } from 'react';
import { readEventStream } from '../../../lib/event-stream';
import { type Approval, approvalSchema } from './schemas';

/** The approval as it stands, and whether the session ended meanwhile (5 minutes after sign-in). */
export function useApprovalStatus(
  session: string,
  token: string,
  initial: Approval,
): { approval: Approval; sessionEnded: boolean } {
  const [approval, setApproval] = useState(initial);
  const [sessionEnded, setSessionEnded] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    const url = `/api/v1/sessions/${encodeURIComponent(session)}/approvals/${encodeURIComponent(initial.id)}/events`;
    readEventStream(url, {
      bearer: token,
      signal: controller.signal,
      onEvent: (event, data) => {
        if (event === 'error') setSessionEnded(true);
        if (event !== 'status') return;
        const parsed = approvalSchema.safeParse((JSON.parse(data) as { approval?: unknown }).approval);
        if (parsed.success) setApproval(parsed.data);
      },
    }).catch(() => {
      // The page shows the last status; the session's own expiry signs the person out.
    });
    return () => controller.abort();
  }, [session, token, initial.id]);
  return { approval, sessionEnded };
}
