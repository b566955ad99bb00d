import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';
import { messageSchema } from './get-messages';

/** A dead letter back to pending (administrators). */
export function retryMessage(id: string) {
  return apiRequest(
    `/api/v1/notifications/messages/${encodeURIComponent(id)}/retry`,
    z.object({ message: messageSchema }),
    {
      method: 'POST',
      csrf: consoleCsrf(),
    },
  );
}

export function useRetryMessage() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: retryMessage,
    onSuccess: () => client.invalidateQueries({ queryKey: ['notifications', 'messages'] }),
  });
}
