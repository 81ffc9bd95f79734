// Small pieces the administration sections share: states in words with a shape, grants as text.
import type { Grant } from '../../api/types';
import type { AuditEvent } from '../../api/admin';

export function UserStatus({ status }: { status: 'active' | 'disabled' }) {
  return status === 'active' ? (
    <span className="badge admin-ok">
      <span aria-hidden="true">● </span>Active
    </span>
  ) : (
    <span className="badge admin-off">
      <span aria-hidden="true">⊘ </span>Disabled
    </span>
  );
}

export function GrantList({ grants }: { grants: readonly Grant[] }) {
  if (grants.length === 0) return <span className="muted">No grants</span>;
  return (
    <ul className="grant-list">
      {grants.map((grant) => (
        <li key={`${grant.role}:${grant.orgUnitCode ?? ''}`}>
          <strong>{grant.role}</strong> {grant.orgUnitCode === null ? <span>everywhere</span> : <span>on {grant.orgUnitCode}</span>}
        </li>
      ))}
    </ul>
  );
}

const RESULT: Record<AuditEvent['result'], { icon: string; className: string }> = {
  success: { icon: '✓', className: 'admin-ok' },
  failure: { icon: '✕', className: 'admin-bad' },
  denied: { icon: '⊘', className: 'admin-warn' },
};

export function ResultBadge({ result }: { result: AuditEvent['result'] }) {
  const { icon, className } = RESULT[result];
  return (
    <span className={`badge ${className}`}>
      <span aria-hidden="true">{icon} </span>
      {result}
    </span>
  );
}
