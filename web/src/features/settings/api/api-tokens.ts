/** API tokens for integrations: list, create with roles (the token is answered once), revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { apiRequest } from '../../../lib/api-client';
import { consoleCsrf } from '../../../lib/console-csrf';

const apiTokenSchema = z.object({
  id: z.string(),
  prefix: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

export function useApiTokens() {
  return useQuery({
    queryKey: ['settings', 'api-tokens'],
    queryFn: async () =>
      (await apiRequest('/api/v1/console/api-tokens', z.object({ apiTokens: z.array(apiTokenSchema) })))
        .apiTokens,
  });
}

export function useCreateApiToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; roles: string[] }) =>
      apiRequest('/api/v1/console/api-tokens', z.object({ token: z.string(), apiToken: apiTokenSchema }), {
        method: 'POST',
        body,
        csrf: consoleCsrf(),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['settings', 'api-tokens'] }),
  });
}

export function useRevokeApiToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      apiRequest(`/api/v1/console/api-tokens/${encodeURIComponent(id)}`, z.unknown(), {
        method: 'DELETE',
        csrf: consoleCsrf(),
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['settings', 'api-tokens'] }),
  });
}
