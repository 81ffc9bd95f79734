// An alert's labels (what identifies it and what Alertmanager routes on), its fingerprint, and its
// annotations rendered from the rule's templates.
import { createHash } from 'node:crypto';

/** A stable fingerprint of a label set: the same labels in any order give the same 16 hex digits. */
export function fingerprint(labels: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(labels).sort()) hash.update(`${key}\u0000${labels[key]}\u0000`);
  return hash.digest('hex').slice(0, 16);
}

export interface TemplateContext {
  rule: { id: string; name: string };
  severity: string;
  camera?: { id: string; name: string } | undefined;
  unit?: { code: string; name: string } | undefined;
  value: number | null;
  labels: Readonly<Record<string, string>>;
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_]+)?)\s*\}\}/g;

/** The fields a template may name: `camera.name`, `unit.name`, `rule.name`, `value`, `labels.<name>`, ... */
export const TEMPLATE_FIELDS = ['rule.id', 'rule.name', 'severity', 'camera.id', 'camera.name', 'unit.code', 'unit.name', 'value'];

/** The placeholders a template names that are not fields (`labels.<name>` always is one). */
export function unknownFields(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((f) => !TEMPLATE_FIELDS.includes(f) && !f.startsWith('labels.'));
}

/** Renders `{{field}}` placeholders; a field with no value here (no camera on a site alert) renders empty. */
export function render(template: string, context: TemplateContext): string {
  return template.replace(PLACEHOLDER, (_all, field: string) => {
    const [head, tail] = field.split('.') as [string, string | undefined];
    switch (head) {
      case 'rule':
        return tail === 'id' ? context.rule.id : context.rule.name;
      case 'severity':
        return context.severity;
      case 'camera':
        return context.camera ? (tail === 'id' ? context.camera.id : context.camera.name) : '';
      case 'unit':
        return context.unit ? (tail === 'code' ? context.unit.code : context.unit.name) : '';
      case 'value':
        return context.value === null ? '' : String(context.value);
      case 'labels':
        return tail !== undefined ? (context.labels[tail] ?? '') : '';
      default:
        return '';
    }
  });
}
