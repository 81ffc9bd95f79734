import type { Severity } from '../api/types';

const ICON: Record<Severity, string> = { low: '▽', medium: '◇', high: '▲', critical: '◆' };

/** A severity as text with a shape, never by colour alone. */
export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className={`badge severity-${severity}`}>
      <span aria-hidden="true">{ICON[severity]} </span>
      {severity}
    </span>
  );
}
