import { describe, expect, it } from 'vitest';
import { chooseSection, visibleSections } from './sections';

const can =
  (...permissions: string[]) =>
  (permission: string) =>
    permissions.includes(permission);

describe('administration sections', () => {
  it('shows each section only with its permission', () => {
    expect(visibleSections(can('users:read', 'audit:read')).map((s) => s.id)).toEqual(['users', 'keys', 'audit']);
    // An operator reads the audit log but not users or keys.
    expect(visibleSections(can('audit:read')).map((s) => s.id)).toEqual(['audit']);
    expect(visibleSections(can('cameras:read'))).toEqual([]);
  });

  it('opens the section the address names when allowed, else the first allowed', () => {
    const all = visibleSections(can('users:read', 'audit:read'));
    expect(chooseSection('keys', all)?.id).toBe('keys');
    expect(chooseSection(null, all)?.id).toBe('users');
    expect(chooseSection('users', visibleSections(can('audit:read')))?.id).toBe('audit');
    expect(chooseSection('audit', [])).toBeUndefined();
  });
});
