import { Type } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { PageQuery } from '../../platform/http/pagination.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
const Severity = Type.Union(
  SEVERITIES.map((s) => Type.Literal(s)),
  { description: '`low`, `medium`, `high` or `critical`.' },
);
const DURATION_PATTERN = '^(0|(\\d+y)?(\\d+w)?(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?)$';
const duration = (description: string, fallback?: string) =>
  Type.String({
    minLength: 1,
    maxLength: 32,
    pattern: DURATION_PATTERN,
    description: `${description} A Prometheus duration: \`30s\`, \`5m\`, \`4h\`, \`1h30m\`, \`2d\`.`,
    ...(fallback !== undefined ? { default: fallback } : {}),
  });
export const Duration = duration('');
const EventType = Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' });
const LabelName = '^[a-zA-Z_][a-zA-Z0-9_]{0,63}$';
const UnitCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
const Labels = Type.Record(Type.String(), Type.String({ maxLength: 256 }), {
  propertyNames: { pattern: LabelName },
  maxProperties: 32,
  description: 'Label names as in Prometheus (`^[a-zA-Z_][a-zA-Z0-9_]*$`).',
});

const condition = <P extends Record<string, TSchema>>(type: string, properties: P, description: string) =>
  Type.Object({ type: Type.Literal(type), ...properties }, { additionalProperties: false, description });

export const CONDITIONS = {
  camera_offline: condition('camera_offline', {}, 'The camera should be running (active, started) and delivers no frames.'),
  fps_below: condition(
    'fps_below',
    { threshold: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }) },
    'The camera delivers frames at fewer than `threshold` per second.',
  ),
  reconnects_over: condition(
    'reconnects_over',
    { count: Type.Integer({ minimum: 0, maximum: 1_000_000 }), window: Duration },
    'The camera lost its stream more than `count` times within `window`.',
  ),
  event_count_over: condition(
    'event_count_over',
    { eventType: EventType, threshold: Type.Integer({ minimum: 0, maximum: 1_000_000 }), window: Duration },
    'More than `threshold` detection events of `eventType` occurred on the camera within `window`.',
  ),
  event_continuous: condition(
    'event_continuous',
    { eventType: EventType, duration: Duration, maxGap: Duration },
    'Events of `eventType` keep coming, no more than `maxGap` apart, for at least `duration` (and still do).',
  ),
  no_events: condition(
    'no_events',
    { eventType: Type.Optional(EventType), window: Duration },
    'No detection event (of `eventType`, or of any type) from the camera within `window`: its detector went silent.',
  ),
  site_offline: condition(
    'site_offline',
    { fraction: Type.Number({ exclusiveMinimum: 0, maximum: 1 }) },
    "A site alert, one per rule: at least `fraction` of the scope's cameras that should run are offline. While it fires, the alerts of those cameras notify no one (inhibition). Needs `scope.orgUnitCode`.",
  ),
} as const;
export type ConditionInput = Static<(typeof CONDITIONS)[keyof typeof CONDITIONS]>;

/** The condition's `type` picks the schema it is checked against, so errors name that type's fields. */
export const ConditionBody = Type.Unsafe<ConditionInput>({
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string', enum: Object.keys(CONDITIONS) } },
  allOf: Object.entries(CONDITIONS).map(([type, schema]) => ({ if: { properties: { type: { const: type } } }, then: schema })),
  description: `One of: ${Object.keys(CONDITIONS).join(', ')}. Each is judged per camera in scope (site_offline: for the unit).`,
});

const Url = Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' });
const WebhookIn = Type.Object(
  {
    type: Type.Literal('webhook'),
    url: Url,
    secret: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'Signs each body (HMAC-SHA256); sealed at rest, never returned.' }),
    ),
  },
  { additionalProperties: false },
);
const AlertmanagerIn = Type.Object(
  { type: Type.Literal('alertmanager'), url: Url },
  { additionalProperties: false, description: "An Alertmanager's base URL; alerts are posted to `/api/v2/alerts`." },
);
const EmailIn = Type.Object(
  {
    type: Type.Literal('email'),
    to: Type.Array(Type.String({ format: 'email', maxLength: 254 }), { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false, description: 'Sent over SMTP (VIGIL_SMTP_URL).' },
);
export const CHANNELS = { webhook: WebhookIn, alertmanager: AlertmanagerIn, email: EmailIn } as const;
export type ChannelInput = Static<typeof WebhookIn> | Static<typeof AlertmanagerIn> | Static<typeof EmailIn>;
const ChannelBody = Type.Unsafe<ChannelInput>({
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string', enum: Object.keys(CHANNELS) } },
  allOf: Object.entries(CHANNELS).map(([type, schema]) => ({ if: { properties: { type: { const: type } } }, then: schema })),
});

export const RuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    scope: Type.Object(
      {
        orgUnitCode: Type.Optional(Type.Union([UnitCode, Type.Null()], { description: "That unit's subtree, as of today." })),
        cameraIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 1000, uniqueItems: true })),
        labels: Type.Optional(
          Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 64 }), {
            propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$' },
            maxProperties: 16,
            description: 'Camera label matchers: `{"zone": "kitchen"}` matches a camera labelled `zone:kitchen`; all must match.',
          }),
        ),
      },
      {
        additionalProperties: false,
        description:
          'The cameras watched: those in the unit subtree (if given) and among `cameraIds` (if given) and matching `labels` (if given).',
      },
    ),
    condition: ConditionBody,
    for: Type.Optional(duration('How long the condition must hold before the alert fires.', '0s')),
    keepFiringFor: Type.Optional(duration('How long it keeps firing once the condition stops.', '0s')),
    severity: Severity,
    labels: Type.Optional(Labels),
    annotations: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 2048 }), {
        propertyNames: { pattern: LabelName },
        maxProperties: 16,
        description:
          'Templates such as `{"summary": "{{camera.name}} is offline"}`; fields: camera.name, camera.id, unit.name, unit.code, rule.name, rule.id, severity, value, labels.<name>.',
      }),
    ),
    channels: Type.Optional(Type.Array(ChannelBody, { maxItems: 10 })),
    repeatInterval: Type.Optional(duration('How often a firing alert notifies again.', '4h')),
  },
  { additionalProperties: false },
);
export type RuleInput = Static<typeof RuleBody>;

const ChannelView = Type.Union([
  Type.Object({ type: Type.Literal('webhook'), url: Type.String(), hasSecret: Type.Boolean() }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('alertmanager'), url: Type.String() }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('email'), to: Type.Array(Type.String()) }, { additionalProperties: false }),
]);

export const RuleView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    enabled: Type.Boolean(),
    scope: Type.Object(
      {
        orgUnitCode: Type.Union([Type.String(), Type.Null()]),
        cameraIds: Type.Array(Type.String()),
        labels: Type.Record(Type.String(), Type.String()),
      },
      { additionalProperties: false },
    ),
    condition: Type.Object({ type: Type.String() }, { additionalProperties: true }),
    for: Type.String(),
    keepFiringFor: Type.String(),
    severity: Severity,
    labels: Type.Record(Type.String(), Type.String()),
    annotations: Type.Record(Type.String(), Type.String()),
    channels: Type.Array(ChannelView),
    repeatInterval: Type.String(),
    revision: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    createdBy: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'AlertRule', additionalProperties: false },
);

export const RuleParams = Type.Object({ rule_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
export const AlertParams = Type.Object({ alert_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
export const SilenceParams = Type.Object({ silence_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const RuleListQuery = Type.Object(
  { ...PageQuery, orgUnitCode: Type.Optional(UnitCode), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const STATES = ['pending', 'firing', 'resolved'] as const;
const State = Type.Union(STATES.map((s) => Type.Literal(s)));

export const AlertView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    ruleId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'null once the rule was deleted.' }),
    fingerprint: Type.String(),
    state: State,
    severity: Severity,
    cameraId: Type.Union([Type.String(), Type.Null()]),
    orgUnitCode: Type.Union([Type.String(), Type.Null()]),
    labels: Type.Record(Type.String(), Type.String()),
    annotations: Type.Record(Type.String(), Type.String()),
    value: Type.Union([Type.Number(), Type.Null()]),
    activeSince: Type.String({ format: 'date-time', description: 'When the condition began to hold.' }),
    firedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    resolvedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    ackedBy: Type.Union([Type.String(), Type.Null()]),
    ackedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revision: Type.Integer(),
  },
  { $id: 'Alert', additionalProperties: false },
);

export const AlertListQuery = Type.Object(
  {
    ...PageQuery,
    state: Type.Optional(State),
    severity: Type.Optional(Severity),
    ruleId: Type.Optional(Type.String({ format: 'uuid' })),
    cameraId: Type.Optional(Type.String({ format: 'uuid' })),
    orgUnitCode: Type.Optional(UnitCode),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'activeSince at or after this instant.' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'activeSince before this instant.' })),
  },
  { additionalProperties: false },
);

export const TestResultView = Type.Object(
  {
    evaluatedAt: Type.String({ format: 'date-time' }),
    series: Type.Array(
      Type.Object(
        {
          cameraId: Type.Union([Type.String(), Type.Null()]),
          orgUnitCode: Type.Union([Type.String(), Type.Null()]),
          holds: Type.Boolean({ description: 'Whether the condition holds now.' }),
          value: Type.Union([Type.Number(), Type.Null()]),
          state: Type.Union([Type.Literal('inactive'), State], { description: 'The state the alert has now.' }),
          wouldFire: Type.Boolean({ description: 'Whether this round would make it fire (or keep it firing).' }),
          labels: Type.Record(Type.String(), Type.String()),
          annotations: Type.Record(Type.String(), Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Matcher = Type.Object(
  {
    name: Type.String({ pattern: LabelName }),
    value: Type.String({ maxLength: 256 }),
    isRegex: Type.Optional(
      Type.Boolean({ default: false, description: 'A regular expression anchored at both ends, as in Alertmanager.' }),
    ),
    isEqual: Type.Optional(Type.Boolean({ default: true, description: 'false: the label must not match.' })),
  },
  { additionalProperties: false },
);
export const SilenceBody = Type.Object(
  {
    matchers: Type.Array(Matcher, { minItems: 1, maxItems: 20 }),
    startsAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now.' })),
    endsAt: Type.String({ format: 'date-time' }),
    comment: Type.String({ minLength: 1, maxLength: 1000 }),
    orgUnitCode: Type.Optional(
      Type.Union([UnitCode, Type.Null()], {
        description: 'Who may see and end it: callers whose grants reach this unit. Default: a global silence (admins).',
      }),
    ),
  },
  { additionalProperties: false },
);
export const SilenceView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    matchers: Type.Array(
      Type.Object(
        { name: Type.String(), value: Type.String(), isRegex: Type.Boolean(), isEqual: Type.Boolean() },
        { additionalProperties: false },
      ),
    ),
    startsAt: Type.String({ format: 'date-time' }),
    endsAt: Type.String({ format: 'date-time' }),
    comment: Type.String(),
    createdBy: Type.Union([Type.String(), Type.Null()]),
    orgUnitCode: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    state: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired')]),
  },
  { $id: 'Silence', additionalProperties: false },
);
export const SilenceListQuery = Type.Object(
  { ...PageQuery, state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired')])) },
  { additionalProperties: false },
);
