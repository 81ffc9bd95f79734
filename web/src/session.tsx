// The signed-in session: who the user is, what they may do, and signing in and out (cookie mode).
// While signed in, the session is renewed before the access token lapses, and on any 401 the
// client renews it and retries (api/client.ts); when renewal is refused, the sign-in page shows.
import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo } from 'react';
import type { ReactNode } from 'react';
import { ApiError, get, onSignedOut, post, refreshSession } from './api/client';
import type { Me } from './api/types';

export interface Session {
  user: Me;
  /** Whether any grant carries `permission` (the API still decides each request). */
  can(permission: string): boolean;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);
const ME = ['auth', 'me'] as const;
/** Renew this often while signed in (access tokens last longer; a renewal is cheap). */
const RENEW_EVERY_MS = 4 * 60_000;

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** How the session is read: `null` when signed out. Shared by `useMe` and the start-up prefetch. */
export const meQuery = queryOptions({
  queryKey: ME,
  queryFn: async () => {
    try {
      return await get<Me>('/api/auth/me');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  staleTime: 60_000,
  retry: (count, error) => !(error instanceof ApiError && error.status < 500 && error.status > 0) && count < 3,
});

/** Reads the session; `undefined` while unknown, `null` when signed out. */
export function useMe() {
  return useQuery(meQuery);
}

/** Drops every cached answer but the session's own (what one user saw is not shown to the next). */
function forgetAllBut(client: QueryClient, key: readonly unknown[]): void {
  client.removeQueries({ predicate: (query) => JSON.stringify(query.queryKey) !== JSON.stringify(key) });
}

export function useSignIn() {
  const client = useQueryClient();
  return useCallback(
    async (email: string, password: string) => {
      await post('/api/auth/login', { email, password, mode: 'cookie' });
      forgetAllBut(client, ME);
      client.setQueryData(ME, await get<Me>('/api/auth/me'));
    },
    [client],
  );
}

export function SessionProvider({ me, children }: { me: Me; children: ReactNode }) {
  const client = useQueryClient();
  const signOut = useCallback(async () => {
    try {
      await post('/api/auth/logout', {});
    } finally {
      forgetAllBut(client, ME);
      client.setQueryData(ME, null);
    }
  }, [client]);

  useEffect(
    () =>
      onSignedOut(() => {
        forgetAllBut(client, ME);
        client.setQueryData(ME, null);
      }),
    [client],
  );
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refreshSession();
    }, RENEW_EVERY_MS);
    return () => clearInterval(timer);
  }, []);

  const session = useMemo<Session>(() => {
    const permissions = new Set(me.permissions);
    return { user: me, can: (permission) => permissions.has(permission), signOut };
  }, [me, signOut]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
