import { describe, expect, it } from 'vitest';
import {
  apiFieldErrors,
  checkRuleForm,
  emptyRuleForm,
  errorAt,
  formToRule,
  parseKeyValues,
  ruleToForm,
  unplacedErrors,
  withConditionType,
} from './rule-form';
import type { AlertRule, RuleForm } from './rule-form';

const rule: AlertRule = {
  id: 'r1',
  name: 'Too many people',
  enabled: true,
  scope: { orgUnitCode: 'S1', cameraIds: ['c1'], labels: { zone: 'kitchen' } },
  condition: { type: 'event_count_over', eventType: 'person', threshold: 5, window: '10m' },
  for: '1m',
  keepFiringFor: '0s',
  severity: 'medium',
  labels: { team: 'a' },
  annotations: { summary: '{{camera.name}} is busy', runbook: 'https://wiki/x' },
  channels: [
    { type: 'webhook', url: 'https://hooks.example/x', hasSecret: true },
    { type: 'email', to: ['a@example.com', 'b@example.com'] },
  ],
  repeatInterval: '4h',
  revision: 3,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  createdBy: null,
};

describe('the rule form', () => {
  it('turns a rule into the form and back into the same rule (less the secret, never returned)', () => {
    const form = ruleToForm(rule);
    expect(form.condition).toEqual({ eventType: 'person', threshold: '5', window: '10m' });
    expect(form.channels[0]).toEqual({ type: 'webhook', url: 'https://hooks.example/x', secret: '', hadSecret: true });
    expect(checkRuleForm(form)).toEqual({});
    expect(formToRule(form)).toEqual({
      name: 'Too many people',
      enabled: true,
      scope: { orgUnitCode: 'S1', cameraIds: ['c1'], labels: { zone: 'kitchen' } },
      condition: { type: 'event_count_over', eventType: 'person', threshold: 5, window: '10m' },
      for: '1m',
      keepFiringFor: '0s',
      severity: 'medium',
      labels: { team: 'a' },
      annotations: { runbook: 'https://wiki/x', summary: '{{camera.name}} is busy' },
      channels: [
        { type: 'webhook', url: 'https://hooks.example/x' },
        { type: 'email', to: ['a@example.com', 'b@example.com'] },
      ],
      repeatInterval: '4h',
    });
  });

  it('sends only the fields of the chosen condition type, numbers as numbers', () => {
    const form: RuleForm = {
      ...emptyRuleForm('S1'),
      name: 'Slow',
      conditionType: 'fps_below',
      condition: { threshold: '2.5', window: '5m' },
    };
    expect(formToRule(form).condition).toEqual({ type: 'fps_below', threshold: 2.5 });
    expect(formToRule({ ...form, orgUnitCode: ' ' }).scope.orgUnitCode).toBeNull();
  });

  it('says what to fix before sending, by the API’s field paths', () => {
    const form: RuleForm = {
      ...emptyRuleForm(),
      name: ' ',
      for: '5 minutes',
      conditionType: 'site_offline',
      condition: { fraction: '1.5' },
      labels: 'team',
      channels: [
        { type: 'webhook', url: 'ftp://x', secret: '', hadSecret: false },
        { type: 'email', to: ' ' },
      ],
    };
    expect(checkRuleForm(form)).toEqual({
      name: 'Give the rule a name.',
      for: 'Enter a duration such as 30s, 5m or 1h30m.',
      'condition.fraction': 'Enter a number above 0 and at most 1.',
      'scope.orgUnitCode': 'A site alert watches a unit: name it.',
      labels: 'Line 1 is not name=value.',
      'channels.0.url': 'Enter an http:// or https:// address.',
      'channels.1.to': 'Enter at least one address.',
    });
    expect(checkRuleForm({ ...emptyRuleForm(), name: 'x', conditionType: 'no_events', condition: {} })).toEqual({
      'condition.window': 'Required.',
    });
    expect(
      checkRuleForm({
        ...emptyRuleForm(),
        name: 'x',
        conditionType: 'event_count_over',
        condition: { eventType: 'Person', threshold: '-1', window: '5m' },
      }),
    ).toEqual({
      'condition.eventType': 'Lower-case letters, digits and _ . - only.',
      'condition.threshold': 'Enter a whole number, 0 or more.',
    });
  });

  it('reads name=value lines', () => {
    expect(parseKeyValues('a=1\n\n b = two=2 ')).toEqual({ values: { a: '1', b: 'two=2' } });
    expect(parseKeyValues('a=1\n=x')).toEqual({ error: 'Line 2 is not name=value.' });
  });
});

describe('the API’s errors at their fields', () => {
  it('maps VALIDATION_FAILED paths without body.', () => {
    const errors = apiFieldErrors({
      code: 'VALIDATION_FAILED',
      message: 'the request body is invalid',
      details: {
        errors: [
          { path: 'body.condition.window', message: 'is required' },
          { path: 'body.channels.0.url', message: 'must match pattern "^https?://"' },
          { path: 'body.condition.window', message: 'a second complaint' },
        ],
      },
    });
    expect(errors).toEqual({ 'condition.window': 'Is required.', 'channels.0.url': 'Must match pattern "^https?://".' });
  });
  it('maps INVALID_ALERT_RULE and INVALID_SILENCE by details.field, without repeating the field', () => {
    expect(
      apiFieldErrors({
        code: 'INVALID_ALERT_RULE',
        message: 'condition.window: must be at least 1 s',
        details: { field: 'condition.window' },
      }),
    ).toEqual({ 'condition.window': 'Must be at least 1 s.' });
    expect(apiFieldErrors({ code: 'INVALID_SILENCE', message: 'endsAt: must be after startsAt', details: { field: 'endsAt' } })).toEqual({
      endsAt: 'Must be after startsAt.',
    });
  });
  it('places nothing for other errors', () => {
    expect(apiFieldErrors({ code: 'FORBIDDEN', message: 'no', details: {} })).toEqual({});
    expect(apiFieldErrors(undefined)).toEqual({});
  });
  it('finds a field’s error, or one inside it, and what no field shows', () => {
    const errors = { 'channels.0.url': 'Bad.', 'scope.cameraIds.2': 'Unknown.', mystery: 'Odd.' };
    expect(errorAt(errors, 'channels.0.url')).toBe('Bad.');
    expect(errorAt(errors, 'scope.cameraIds')).toBe('Unknown.');
    expect(errorAt(errors, 'name')).toBeUndefined();
    expect(unplacedErrors(errors, ['channels', 'scope'])).toEqual([['mystery', 'Odd.']]);
  });
});

describe('changing the condition type', () => {
  it('lets an untouched summary follow the type, and keeps one a person wrote', () => {
    const form = emptyRuleForm();
    expect(withConditionType(form, 'fps_below').summary).toBe('{{camera.name}} delivers {{value}} frames per second');
    expect(withConditionType({ ...form, summary: 'Oven trouble' }, 'fps_below').summary).toBe('Oven trouble');
    expect(withConditionType({ ...form, summary: '' }, 'site_offline').summary).toBe('Cameras of {{unit.name}} are offline');
  });
});
