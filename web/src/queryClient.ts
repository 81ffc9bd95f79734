// The console's one query cache, shared by the React tree (main.tsx) and the routes' prefetches (App.tsx).
import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api/client';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: true,
      // A refused request (4xx) is not retried; a lost connection or a 5xx is, a few times.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 3,
    },
    mutations: { retry: false },
  },
});
