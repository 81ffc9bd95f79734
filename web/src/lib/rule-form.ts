// The rule editor's pure logic: the form's fields (text, as inputs hold them) to and from the API's
// rule, checks a person gets before sending, and the API's validation errors mapped to the fields.
import type { Severity } from '../api/types';

export type ConditionType =
  'camera_offline' | 'fps_below' | 'reconnects_over' | 'event_count_over' | 'event_continuous' | 'no_events' | 'site_offline';

export interface ConditionField {
  name: 'threshold' | 'count' | 'window' | 'eventType' | 'duration' | 'maxGap' | 'fraction';
  label: string;
  kind: 'integer' | 'number' | 'fraction' | 'duration' | 'eventType';
  optional?: boolean;
  hint?: string;
}

const windowField = (hint = 'A duration such as 30s, 5m, 1h30m; at most 1w.'): ConditionField => ({
  name: 'window',
  label: 'Window',
  kind: 'duration',
  hint,
});
const eventType = (optional = false): ConditionField => ({
  name: 'eventType',
  label: optional ? 'Event type (optional)' : 'Event type',
  kind: 'eventType',
  optional,
  hint: optional ? 'Leave empty for any type.' : 'Lower case, such as person or no_hairnet.',
});

/** The condition types the API accepts, in words, with their fields (src/modules/alerts/alerts.schemas.ts). */
export const CONDITION_TYPES: { type: ConditionType; label: string; fields: ConditionField[] }[] = [
  { type: 'camera_offline', label: 'Camera offline', fields: [] },
  {
    type: 'fps_below',
    label: 'Frame rate below',
    fields: [{ name: 'threshold', label: 'Frames per second below', kind: 'number', hint: 'More than 0, at most 1000.' }],
  },
  {
    type: 'reconnects_over',
    label: 'Reconnects over',
    fields: [{ name: 'count', label: 'More than this many reconnects', kind: 'integer' }, windowField()],
  },
  {
    type: 'event_count_over',
    label: 'Event count over',
    fields: [eventType(), { name: 'threshold', label: 'More than this many events', kind: 'integer' }, windowField()],
  },
  {
    type: 'event_continuous',
    label: 'Events continuously',
    fields: [
      eventType(),
      { name: 'duration', label: 'For at least', kind: 'duration', hint: 'A duration such as 2m.' },
      { name: 'maxGap', label: 'At most this far apart', kind: 'duration', hint: 'A duration such as 10s.' },
    ],
  },
  { type: 'no_events', label: 'No events (detector silent)', fields: [eventType(true), windowField()] },
  {
    type: 'site_offline',
    label: 'Site offline (one alert per unit)',
    fields: [{ name: 'fraction', label: 'Share of cameras offline', kind: 'fraction', hint: 'Between 0 and 1, such as 0.5 for half.' }],
  },
];

/** A summary to start from for each condition type (annotations are templates; docs/alerts.md). */
export const DEFAULT_SUMMARY: Record<ConditionType, string> = {
  camera_offline: '{{camera.name}} is offline',
  fps_below: '{{camera.name}} delivers {{value}} frames per second',
  reconnects_over: '{{camera.name}} lost its stream {{value}} times',
  event_count_over: '{{value}} events on {{camera.name}}',
  event_continuous: 'Events keep coming on {{camera.name}}',
  no_events: 'No detection events from {{camera.name}}',
  site_offline: 'Cameras of {{unit.name}} are offline',
};

/** The form with another condition type; a summary left as the old type's default follows the new type. */
export function withConditionType(form: RuleForm, type: ConditionType): RuleForm {
  const untouched = form.summary.trim() === '' || form.summary === DEFAULT_SUMMARY[form.conditionType];
  return { ...form, conditionType: type, ...(untouched ? { summary: DEFAULT_SUMMARY[type] } : {}) };
}

export type ChannelForm =
  | { type: 'webhook'; url: string; secret: string; hadSecret: boolean }
  | { type: 'alertmanager'; url: string }
  | { type: 'email'; to: string };

export interface RuleForm {
  name: string;
  enabled: boolean;
  orgUnitCode: string;
  cameraIds: string[];
  /** "name=value" per line. */
  scopeLabels: string;
  conditionType: ConditionType;
  condition: Partial<Record<ConditionField['name'], string>>;
  for: string;
  keepFiringFor: string;
  repeatInterval: string;
  severity: Severity;
  /** "name=value" per line. */
  labels: string;
  summary: string;
  description: string;
  /** Annotations other than summary and description, "name=value" per line. */
  otherAnnotations: string;
  channels: ChannelForm[];
}

export type ChannelView =
  { type: 'webhook'; url: string; hasSecret: boolean } | { type: 'alertmanager'; url: string } | { type: 'email'; to: string[] };

export interface AlertRule {
  id: string;
  name: string;
  enabled: boolean;
  scope: { orgUnitCode: string | null; cameraIds: string[]; labels: Record<string, string> };
  condition: { type: string; [field: string]: unknown };
  for: string;
  keepFiringFor: string;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  channels: ChannelView[];
  repeatInterval: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
}

export type ChannelInput =
  { type: 'webhook'; url: string; secret?: string } | { type: 'alertmanager'; url: string } | { type: 'email'; to: string[] };

export interface RuleInput {
  name: string;
  enabled: boolean;
  scope: { orgUnitCode?: string | null; cameraIds?: string[]; labels?: Record<string, string> };
  condition: { type: ConditionType; [field: string]: unknown };
  for: string;
  keepFiringFor: string;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  channels: ChannelInput[];
  repeatInterval: string;
}

export function emptyRuleForm(orgUnitCode = ''): RuleForm {
  return {
    name: '',
    enabled: true,
    orgUnitCode,
    cameraIds: [],
    scopeLabels: '',
    conditionType: 'camera_offline',
    condition: {},
    for: '30s',
    keepFiringFor: '0s',
    repeatInterval: '4h',
    severity: 'high',
    labels: '',
    summary: DEFAULT_SUMMARY.camera_offline,
    description: '',
    otherAnnotations: '',
    channels: [],
  };
}

const keyValueText = (values: Record<string, string>) =>
  Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

/** The form for an existing rule. Webhook secrets are never returned: the form says one was set. */
export function ruleToForm(rule: AlertRule): RuleForm {
  const { summary = '', description = '', ...others } = rule.annotations;
  const condition: RuleForm['condition'] = {};
  for (const [name, value] of Object.entries(rule.condition)) {
    if (name !== 'type' && (typeof value === 'string' || typeof value === 'number'))
      condition[name as ConditionField['name']] = String(value);
  }
  return {
    name: rule.name,
    enabled: rule.enabled,
    orgUnitCode: rule.scope.orgUnitCode ?? '',
    cameraIds: [...rule.scope.cameraIds],
    scopeLabels: keyValueText(rule.scope.labels),
    conditionType: (CONDITION_TYPES.some((c) => c.type === rule.condition.type) ? rule.condition.type : 'camera_offline') as ConditionType,
    condition,
    for: rule.for,
    keepFiringFor: rule.keepFiringFor,
    repeatInterval: rule.repeatInterval,
    severity: rule.severity,
    labels: keyValueText(rule.labels),
    summary,
    description,
    otherAnnotations: keyValueText(others),
    channels: rule.channels.map((c): ChannelForm => {
      switch (c.type) {
        case 'webhook':
          return { type: 'webhook', url: c.url, secret: '', hadSecret: c.hasSecret };
        case 'alertmanager':
          return { type: 'alertmanager', url: c.url };
        case 'email':
          return { type: 'email', to: c.to.join(', ') };
      }
    }),
  };
}

/** "name=value" lines (blank lines skipped) as an object, or the first line that is not one. */
export function parseKeyValues(text: string): { values: Record<string, string> } | { error: string } {
  const values: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    if (at <= 0) return { error: `Line ${i + 1} is not name=value.` };
    values[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return { values };
}

const DURATION = /^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?)$/;
const EVENT_TYPE = /^[a-z][a-z0-9_.-]{0,63}$/;

/** What a person can fix before sending, by field path (the API's paths, without `body.`). */
export function checkRuleForm(form: RuleForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (form.name.trim() === '') errors.name = 'Give the rule a name.';
  for (const field of ['for', 'keepFiringFor', 'repeatInterval'] as const) {
    const value = form[field].trim();
    if (value === '' || !DURATION.test(value)) errors[field] = 'Enter a duration such as 30s, 5m or 1h30m.';
  }
  const spec = CONDITION_TYPES.find((c) => c.type === form.conditionType);
  for (const field of spec?.fields ?? []) {
    const value = (form.condition[field.name] ?? '').trim();
    const path = `condition.${field.name}`;
    if (value === '') {
      if (!field.optional) errors[path] = 'Required.';
      continue;
    }
    const n = Number(value);
    if (field.kind === 'duration' && !DURATION.test(value)) errors[path] = 'Enter a duration such as 30s, 5m or 1h30m.';
    if (field.kind === 'eventType' && !EVENT_TYPE.test(value)) errors[path] = 'Lower-case letters, digits and _ . - only.';
    if (field.kind === 'integer' && !(Number.isInteger(n) && n >= 0)) errors[path] = 'Enter a whole number, 0 or more.';
    if (field.kind === 'number' && !(Number.isFinite(n) && n > 0)) errors[path] = 'Enter a number above 0.';
    if (field.kind === 'fraction' && !(Number.isFinite(n) && n > 0 && n <= 1)) errors[path] = 'Enter a number above 0 and at most 1.';
  }
  if (form.conditionType === 'site_offline' && form.orgUnitCode.trim() === '')
    errors['scope.orgUnitCode'] = 'A site alert watches a unit: name it.';
  for (const [path, text] of [
    ['scope.labels', form.scopeLabels],
    ['labels', form.labels],
    ['annotations', form.otherAnnotations],
  ] as const) {
    const parsed = parseKeyValues(text);
    if ('error' in parsed) errors[path] = parsed.error;
  }
  form.channels.forEach((channel, i) => {
    if (channel.type === 'email') {
      if (splitList(channel.to).length === 0) errors[`channels.${i}.to`] = 'Enter at least one address.';
    } else if (!/^https?:\/\/\S+$/.test(channel.url.trim())) {
      errors[`channels.${i}.url`] = 'Enter an http:// or https:// address.';
    }
  });
  return errors;
}

export function splitList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const values = (text: string) => {
  const parsed = parseKeyValues(text);
  return 'values' in parsed ? parsed.values : {};
};

/** The rule to send (call checkRuleForm first). */
export function formToRule(form: RuleForm): RuleInput {
  const spec = CONDITION_TYPES.find((c) => c.type === form.conditionType);
  const condition: RuleInput['condition'] = { type: form.conditionType };
  for (const field of spec?.fields ?? []) {
    const value = (form.condition[field.name] ?? '').trim();
    if (value === '') continue;
    condition[field.name] = field.kind === 'integer' || field.kind === 'number' || field.kind === 'fraction' ? Number(value) : value;
  }
  const annotations = values(form.otherAnnotations);
  if (form.summary.trim() !== '') annotations.summary = form.summary.trim();
  if (form.description.trim() !== '') annotations.description = form.description.trim();
  const unit = form.orgUnitCode.trim();
  return {
    name: form.name.trim(),
    enabled: form.enabled,
    scope: {
      orgUnitCode: unit === '' ? null : unit,
      ...(form.cameraIds.length > 0 ? { cameraIds: form.cameraIds } : {}),
      labels: values(form.scopeLabels),
    },
    condition,
    for: form.for.trim(),
    keepFiringFor: form.keepFiringFor.trim(),
    severity: form.severity,
    labels: values(form.labels),
    annotations,
    channels: form.channels.map((c): ChannelInput => {
      switch (c.type) {
        case 'webhook':
          return c.secret !== '' ? { type: 'webhook', url: c.url.trim(), secret: c.secret } : { type: 'webhook', url: c.url.trim() };
        case 'alertmanager':
          return { type: 'alertmanager', url: c.url.trim() };
        case 'email':
          return { type: 'email', to: splitList(c.to) };
      }
    }),
    repeatInterval: form.repeatInterval.trim(),
  };
}

interface ErrorShape {
  code?: string;
  message?: string;
  details?: Record<string, unknown> | undefined;
}

/**
 * The API's complaints by field path: VALIDATION_FAILED names each (`details.errors[].path`, such as
 * `body.condition.window`), INVALID_ALERT_RULE and INVALID_SILENCE one (`details.field`).
 */
export function apiFieldErrors(error: unknown): Record<string, string> {
  const e = (error ?? {}) as ErrorShape;
  const out: Record<string, string> = {};
  const details = e.details ?? {};
  if (e.code === 'VALIDATION_FAILED' && Array.isArray(details.errors)) {
    for (const item of details.errors as { path?: unknown; message?: unknown }[]) {
      if (typeof item.path !== 'string') continue;
      const path = item.path.replace(/^body\.?/, '');
      out[path] ??= sentence(typeof item.message === 'string' ? item.message : 'is invalid');
    }
  } else if ((e.code === 'INVALID_ALERT_RULE' || e.code === 'INVALID_SILENCE') && typeof details.field === 'string') {
    const field = details.field;
    const message = (e.message ?? 'is invalid').replace(new RegExp(`^${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\s*`), '');
    out[field] = sentence(message);
  }
  return out;
}

function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  const capital = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The error for a field: its own path, or any path inside it (`channels.0` takes `channels.0.url`). */
export function errorAt(errors: Record<string, string>, path: string): string | undefined {
  if (errors[path]) return errors[path];
  const inside = Object.entries(errors).find(([p]) => p.startsWith(`${path}.`));
  return inside?.[1];
}

/** Errors that no field of the form shows (`known` are the paths the form renders). */
export function unplacedErrors(errors: Record<string, string>, known: readonly string[]): [string, string][] {
  return Object.entries(errors).filter(([path]) => !known.some((k) => path === k || path.startsWith(`${k}.`)));
}
