// The administration page's sections, each shown only to a user whose grants carry its permission,
// and chosen by the `section` parameter of the address.

export type AdminSectionId = 'users' | 'keys' | 'audit';

export interface AdminSection {
  id: AdminSectionId;
  label: string;
  permission: string;
}

export const ADMIN_SECTIONS: readonly AdminSection[] = [
  { id: 'users', label: 'Users', permission: 'users:read' },
  { id: 'keys', label: 'API keys', permission: 'users:read' },
  { id: 'audit', label: 'Audit log', permission: 'audit:read' },
];

export function visibleSections(can: (permission: string) => boolean): AdminSection[] {
  return ADMIN_SECTIONS.filter((section) => can(section.permission));
}

/** The section the address names when the user may see it, else the first they may see. */
export function chooseSection(asked: string | null, visible: readonly AdminSection[]): AdminSection | undefined {
  return visible.find((section) => section.id === asked) ?? visible[0];
}
