import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api-client';

/** Retries only what may pass by itself (network, 5xx); an answer like 401 or 403 will not change. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) =>
        count < 2 && (!(error instanceof ApiError) || error.status === 0 || error.status >= 500),
      refetchOnWindowFocus: false,
    },
    mutations: { retry: false },
  },
});
