import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { PageQuery } from '../../platform/http/pagination.js';
import { DETECTION_STATUSES } from './review.js';

/** A snapshot sent with an event: at most this many bytes of JPEG (base64 makes it a third larger). */
export const MAX_SNAPSHOT_BYTES = 512 * 1024;
export const MAX_BATCH = 500;
/** `attributes` as JSON text, at most. */
export const MAX_ATTRIBUTES_BYTES = 16 * 1024;

const Status = Type.Union(
  DETECTION_STATUSES.map((s) => Type.Literal(s)),
  { description: 'Review status: `pending` → `confirmed` | `false_positive`; `confirmed` → `resolved`; `false_positive` → `pending`.' },
);
const EventType = Type.String({
  pattern: '^[a-z][a-z0-9_.-]{0,63}$',
  description: 'A short name in lower case, such as `no_hairnet` or `person`.',
});
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const Box = Type.Object(
  { x: Fraction, y: Fraction, width: Fraction, height: Fraction },
  { additionalProperties: false, description: 'Normalised to the frame (0..1), from its top-left corner; the box stays inside the frame.' },
);
const UnitCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });

export const EventInput = Type.Object(
  {
    cameraId: Type.String({ format: 'uuid' }),
    type: EventType,
    occurredAt: Type.String({ format: 'date-time', description: 'When the detector saw it; at most 5 minutes ahead of the server clock.' }),
    confidence: Fraction,
    bbox: Type.Optional(Box),
    trackId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "The detector's id of the object across frames." })),
    attributes: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: 'Free-form details from the detector; at most 16 KB as JSON.' }),
    ),
    snapshot: Type.Optional(
      Type.String({
        maxLength: Math.ceil(MAX_SNAPSHOT_BYTES / 3) * 4,
        description: 'A JPEG, base64-encoded, at most 512 KB decoded.',
      }),
    ),
    captureSnapshot: Type.Optional(
      Type.Boolean({
        description:
          "Store the camera's latest frame with the event (not with `snapshot`). A camera with no frame yet stores the event without one (`hasSnapshot: false`).",
      }),
    ),
    idempotencyKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'A repeated key for the same camera answers the event stored with it, never a second one.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type EventInput = Static<typeof EventInput>;

/** A batch's items are checked one by one (each answered on its own), so the schema of the batch only bounds them. */
const Batch = Type.Object(
  {
    events: Type.Array(Type.Unknown({ description: 'An event, as the single form; each is checked and answered on its own.' }), {
      minItems: 1,
      maxItems: MAX_BATCH,
    }),
  },
  { additionalProperties: false },
);

/** One event, or `{events: [...]}`: the presence of `events` decides which is checked (and which errors are reported). */
export const IngestBody = Type.Unsafe<EventInput | { events: unknown[] }>({
  if: { type: 'object', required: ['events'] },
  then: Batch,
  else: EventInput,
  description: `One event, or up to ${MAX_BATCH} as \`{"events": [...]}\`.`,
});

export const EventParams = Type.Object({ event_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const EventView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    cameraId: Type.String({ format: 'uuid' }),
    orgUnitCode: Type.String({ description: "The camera's unit when the event was stored; it decides who may see the event." }),
    type: Type.String(),
    occurredAt: Type.String({ format: 'date-time' }),
    receivedAt: Type.String({ format: 'date-time' }),
    confidence: Type.Number(),
    bbox: Type.Union([Box, Type.Null()]),
    trackId: Type.Union([Type.String(), Type.Null()]),
    attributes: Type.Object({}, { additionalProperties: true }),
    idempotencyKey: Type.Union([Type.String(), Type.Null()]),
    hasSnapshot: Type.Boolean({ description: 'Served at /api/v1/events/{event_id}/snapshot.' }),
    status: Status,
    notes: Type.Union([Type.String(), Type.Null()]),
    handledBy: Type.Union([Type.String(), Type.Null()], { description: 'The user or API key id of the last review.' }),
    handledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    reportedBy: Type.Union([Type.String(), Type.Null()], { description: 'The API key (or user) that reported it.' }),
    revision: Type.Integer(),
  },
  { $id: 'DetectionEvent', additionalProperties: false },
);

const ItemError = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    details: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

export const IngestResultView = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          index: Type.Integer({ description: 'The position of the item in `events`.' }),
          result: Type.Union([Type.Literal('created'), Type.Literal('duplicate'), Type.Literal('rejected')], {
            description: '`duplicate`: its idempotency key was stored already; `event` is the stored one.',
          }),
          event: Type.Optional(Type.Ref(EventView)),
          error: Type.Optional(ItemError),
        },
        { additionalProperties: false },
      ),
    ),
    created: Type.Integer(),
    duplicates: Type.Integer(),
    rejected: Type.Integer(),
  },
  { additionalProperties: false },
);

export const ReviewBody = Type.Object(
  {
    status: Type.Optional(Status),
    notes: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()], { description: 'null clears them.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const BulkReviewBody = Type.Object(
  {
    ids: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: MAX_BATCH, uniqueItems: true }),
    status: Status,
    notes: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const BulkReviewView = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          result: Type.Union([Type.Literal('updated'), Type.Literal('rejected')]),
          event: Type.Optional(Type.Ref(EventView)),
          error: Type.Optional(ItemError),
        },
        { additionalProperties: false },
      ),
    ),
    updated: Type.Integer(),
    rejected: Type.Integer(),
  },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    cameraId: Type.Optional(Type.String({ format: 'uuid' })),
    orgUnitCode: Type.Optional(UnitCode),
    type: Type.Optional(EventType),
    status: Type.Optional(Status),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'occurredAt at or after this instant.' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'occurredAt before this instant.' })),
    minConfidence: Type.Optional(Fraction),
  },
  { additionalProperties: false },
);

export const StatsQuery = Type.Object(
  {
    groupBy: Type.Union([Type.Literal('type'), Type.Literal('camera'), Type.Literal('unit'), Type.Literal('day')], {
      description: '`day`: the calendar day of occurredAt in VIGIL_TIMEZONE.',
    }),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    cameraId: Type.Optional(Type.String({ format: 'uuid' })),
    orgUnitCode: Type.Optional(UnitCode),
    type: Type.Optional(EventType),
    minConfidence: Type.Optional(Fraction),
  },
  { additionalProperties: false },
);

export const StatsView = Type.Object(
  {
    groupBy: Type.String(),
    items: Type.Array(
      Type.Object(
        {
          key: Type.String({ description: 'The type, camera id, unit code or day (YYYY-MM-DD).' }),
          total: Type.Integer(),
          pending: Type.Integer(),
          confirmed: Type.Integer(),
          falsePositive: Type.Integer(),
          resolved: Type.Integer(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
