// The administration page's API: users and their grants, API keys, and the audit trail. Shapes as
// the OpenAPI document names them (UserRecord, ApiKey, AuditEvent).
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, get, post } from './client';
import type { Grant, Page, Role } from './types';

export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  status: 'active' | 'disabled';
  grants: Grant[];
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface UserWithPassword {
  user: UserRecord;
  /** Only when Vigil generated the password: shown this once. */
  generatedPassword?: string;
}

export interface NewUser {
  email: string;
  name?: string;
  password?: string;
  grants: Grant[];
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  orgUnitCode: string | null;
  prefix: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface NewApiKey {
  name: string;
  role: Role;
  orgUnitCode: string | null;
  expiresInDays: number | null;
}

export interface AuditEvent {
  id: string;
  at: string;
  actorType: 'user' | 'api_key' | 'system' | 'anonymous';
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  orgUnitCode: string | null;
  before: unknown;
  after: unknown;
  result: 'success' | 'failure' | 'denied';
  requestId: string | null;
  ip: string | null;
}

export interface UnitOption {
  code: string;
  name: string;
}

const PAGE = 50;
const ifMatch = (revision: number) => ({ 'if-match': `"${revision}"` });

/** Pages of `path` with `query`, followed by "Load more". */
function usePages<T>(key: readonly unknown[], path: string, query: Record<string, string | number | boolean | undefined>, enabled = true) {
  return useInfiniteQuery({
    enabled,
    queryKey: key,
    queryFn: ({ pageParam, signal }) => get<Page<T>>(path, { ...query, limit: PAGE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}

export const usersKey = ['admin', 'users'] as const;
export const apiKeysKey = ['admin', 'api-keys'] as const;
export const auditKey = ['admin', 'audit'] as const;
/** Everything a new user or key changes: lists, and the names the audit log shows for actors. */
export const peopleKeys = [usersKey, apiKeysKey, ['admin', 'actor-names']] as const;

export function useUsers(filter: { q: string; status: '' | 'active' | 'disabled' }) {
  return usePages<UserRecord>([...usersKey, 'list', filter], '/api/v1/users', {
    q: filter.q.trim() || undefined,
    disabled: filter.status === '' ? undefined : filter.status === 'disabled',
  });
}

export function useUser(id: string) {
  return useQuery({
    queryKey: [...usersKey, 'one', id],
    queryFn: ({ signal }) => get<UserRecord>(`/api/v1/users/${id}`, undefined, signal),
  });
}

export const createUser = (input: NewUser) => post<UserWithPassword>('/api/v1/users', input);
export const updateUser = (user: UserRecord, change: { name?: string; disabled?: boolean }) =>
  api<UserRecord>('PATCH', `/api/v1/users/${user.id}`, { body: change, headers: ifMatch(user.revision) });
export const replaceGrants = (user: UserRecord, grants: Grant[]) =>
  api<UserRecord>('PUT', `/api/v1/users/${user.id}/grants`, { body: { grants }, headers: ifMatch(user.revision) });
export const resetPassword = (user: UserRecord) => post<UserWithPassword>(`/api/v1/users/${user.id}/reset-password`, {});

export function useApiKeys(includeRevoked: boolean) {
  return usePages<ApiKey>([...apiKeysKey, 'list', includeRevoked], '/api/v1/api-keys', { includeRevoked: includeRevoked || undefined });
}

export const createApiKey = (input: NewApiKey) =>
  post<{ key: string; apiKey: ApiKey }>('/api/v1/api-keys', {
    name: input.name,
    role: input.role,
    ...(input.orgUnitCode !== null ? { orgUnitCode: input.orgUnitCode } : {}),
    ...(input.expiresInDays !== null ? { expiresInDays: input.expiresInDays } : {}),
  });
export const revokeApiKey = (key: ApiKey) => api<void>('DELETE', `/api/v1/api-keys/${key.id}`);

export function useAudit(query: Record<string, string>, enabled: boolean) {
  return usePages<AuditEvent>([...auditKey, query], '/api/v1/audit', query, enabled);
}

/** Units the user may read, for suggestions in unit fields (the first 500 by code; typing any code still works). */
export function useUnitOptions(enabled: boolean) {
  return useQuery({
    queryKey: ['admin', 'unit-options'],
    queryFn: async ({ signal }) => {
      const page = await get<Page<UnitOption>>('/api/v1/organization-units', { limit: 500 }, signal);
      return page.items.map((unit) => ({ code: unit.code, name: unit.name }));
    },
    enabled,
    staleTime: 5 * 60_000,
  });
}

/** Who an audit record's actor is: a user's email or a key's name, when the viewer may read them. */
export function useActorNames(enabled: boolean) {
  return useQuery({
    queryKey: peopleKeys[2],
    queryFn: async ({ signal }) => {
      const names = new Map<string, string>();
      const [users, keys] = await Promise.all([
        get<Page<UserRecord>>('/api/v1/users', { limit: 500 }, signal),
        get<Page<ApiKey>>('/api/v1/api-keys', { limit: 500, includeRevoked: true }, signal),
      ]);
      for (const user of users.items) names.set(user.id, user.email);
      for (const key of keys.items) names.set(key.id, `key “${key.name}”`);
      return names;
    },
    enabled,
    staleTime: 60_000,
  });
}
