// The org units a person can pick from in a filter or a form (a suggestion list; the API decides).
import { useQuery } from '@tanstack/react-query';
import { get } from './client';
import type { Page } from './types';

export interface UnitOption {
  code: string;
  name: string;
}

export function useUnitOptions(enabled = true) {
  return useQuery({
    queryKey: ['org-units', 'options'],
    queryFn: async ({ signal }) => {
      const page = await get<Page<UnitOption>>('/api/v1/organization-units', { limit: 500 }, signal);
      return page.items.map((u) => ({ code: u.code, name: u.name })).sort((a, b) => a.code.localeCompare(b.code));
    },
    enabled,
    staleTime: 60_000,
    retry: false,
  });
}
