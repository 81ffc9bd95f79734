import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { parseInstant } from '../../platform/dates.js';
import { DEFAULT_LIMIT, Page } from '../../platform/http/pagination.js';
import { actorOf, credentialsOf, ifMatchOf } from '../../platform/http/request.js';
import {
  BulkReviewBody,
  BulkReviewView,
  EventParams,
  EventView,
  IngestBody,
  IngestResultView,
  ListQuery,
  MAX_BATCH,
  ReviewBody,
  StatsQuery,
  StatsView,
} from './events.schemas.js';
import type { EventCaller, EventService } from './events.service.js';

export interface EventRouteDeps {
  events: EventService;
  /** Largest body POST /events accepts (a batch with snapshots is larger than other requests). */
  bodyLimitBytes: number;
}

const BASE = '/api/v1/events';

const ifMatchHeader = Type.Object(
  { 'if-match': Type.Optional(Type.String({ description: "The event's revision; a stale one answers 412 PRECONDITION_FAILED." })) },
  { additionalProperties: true },
);

export const eventRoutes: FastifyPluginCallbackTypebox<EventRouteDeps> = (app, { events, bodyLimitBytes }, done) => {
  const callerOf = (request: FastifyRequest): EventCaller => ({
    principal: request.principal!,
    actor: actorOf(request),
    credentials: credentialsOf(request),
  });
  const range = (q: { from?: string; to?: string }) => ({
    ...(q.from !== undefined ? { from: parseInstant(q.from, 'from') } : {}),
    ...(q.to !== undefined ? { to: parseInstant(q.to, 'to') } : {}),
  });

  app.post(
    BASE,
    {
      config: { permission: 'events:write' },
      bodyLimit: bodyLimitBytes,
      schema: {
        tags: ['events'],
        summary: 'Report detection events',
        description: `One event (201 with it; 200 with the stored one when its \`idempotencyKey\` was seen for that camera), or \`{"events": [...]}\` with up to ${MAX_BATCH} (201 when any was stored, else 200), each item answered on its own: \`created\`, \`duplicate\` (the stored event) or \`rejected\` (with its error: \`VALIDATION_FAILED\`, \`INVALID_EVENT\`, \`CAMERA_NOT_FOUND\` for a camera that does not exist or is outside your units, \`FORBIDDEN\` for one you may read but not report on). The good items are stored even when others are refused. Audited as \`event.ingest\`, one record per unit.`,
        body: IngestBody,
        response: { 200: Type.Union([Type.Ref(EventView), IngestResultView]), 201: Type.Union([Type.Ref(EventView), IngestResultView]) },
      },
    },
    async (request, reply) => {
      const body = request.body as { events?: unknown[] };
      if (Array.isArray(body.events)) {
        const result = await events.ingest(callerOf(request), body.events, (i) => `body.events.${i}`);
        return reply.code(result.created > 0 ? 201 : 200).send({
          ...result,
          items: result.items.map((item) =>
            item.result === 'rejected' ? { index: item.index, result: item.result, error: item.error } : item,
          ),
        });
      }
      const [only] = (await events.ingest(callerOf(request), [body], () => 'body')).items;
      if (only!.result === 'rejected') throw only!.cause;
      return reply.code(only!.result === 'created' ? 201 : 200).send(only!.event);
    },
  );

  app.get(
    BASE,
    {
      config: { permission: 'events:read' },
      schema: {
        tags: ['events'],
        summary: 'List detection events',
        description:
          'Newest first (by occurredAt, then id), cursor-paginated; only events of units inside your grants. A cursor keeps its place while new events arrive: no event present when the listing began is skipped or repeated. Filters: camera, org unit subtree, type, status, time range (occurredAt in [from, to)), minimum confidence.',
        querystring: ListQuery,
        response: { 200: Page(Type.Ref(EventView)) },
      },
    },
    async (request) => {
      const q = request.query;
      return events.list(
        callerOf(request),
        {
          ...(q.cameraId !== undefined ? { cameraId: q.cameraId } : {}),
          ...(q.orgUnitCode !== undefined ? { orgUnitCode: q.orgUnitCode } : {}),
          ...(q.type !== undefined ? { type: q.type } : {}),
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.minConfidence !== undefined ? { minConfidence: q.minConfidence } : {}),
          ...range(q),
        },
        { limit: q.limit ?? DEFAULT_LIMIT, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) },
      );
    },
  );

  app.get(
    `${BASE}/stats`,
    {
      config: { permission: 'events:read' },
      schema: {
        tags: ['events'],
        summary: 'Count detection events',
        description:
          'Counts per type, camera, unit or day (in VIGIL_TIMEZONE), each split by review status; only events of units inside your grants, with the same filters as the list.',
        querystring: StatsQuery,
        response: { 200: StatsView },
      },
    },
    async (request) => {
      const q = request.query;
      return events.stats(callerOf(request), q.groupBy, {
        ...(q.cameraId !== undefined ? { cameraId: q.cameraId } : {}),
        ...(q.orgUnitCode !== undefined ? { orgUnitCode: q.orgUnitCode } : {}),
        ...(q.type !== undefined ? { type: q.type } : {}),
        ...(q.minConfidence !== undefined ? { minConfidence: q.minConfidence } : {}),
        ...range(q),
      });
    },
  );

  app.post(
    `${BASE}/review`,
    {
      config: { permission: 'events:review' },
      schema: {
        tags: ['events'],
        summary: 'Review many detection events',
        description:
          'Moves each event to `status` (with `notes` when given), each id answered on its own: `updated`, or `rejected` with `EVENT_NOT_FOUND` (missing, not an id, or outside your units), `INVALID_TRANSITION` or `FORBIDDEN`. Audited as `event.review`, one record per event.',
        body: BulkReviewBody,
        response: { 200: BulkReviewView },
      },
    },
    async (request) => {
      const { ids, status, notes } = request.body;
      return events.reviewMany(callerOf(request), ids, { status, ...(notes !== undefined ? { notes } : {}) });
    },
  );

  app.get(
    `${BASE}/:event_id`,
    {
      config: { permission: 'events:read' },
      schema: { tags: ['events'], summary: 'One detection event', params: EventParams, response: { 200: Type.Ref(EventView) } },
    },
    async (request, reply) => {
      const found = await events.get(callerOf(request), request.params.event_id);
      return reply.header('etag', `"${found.revision}"`).send(found);
    },
  );

  app.patch(
    `${BASE}/:event_id`,
    {
      config: { permission: 'events:review' },
      schema: {
        tags: ['events'],
        summary: 'Review a detection event',
        description:
          'Moves its status as the workflow allows (`pending` → `confirmed` | `false_positive`, `confirmed` → `resolved`, `false_positive` → `pending`; any other move is 409 `INVALID_TRANSITION`) and/or sets its notes. `handledBy` becomes you and `handledAt` now. Takes If-Match. Audited as `event.review`.',
        params: EventParams,
        headers: ifMatchHeader,
        body: ReviewBody,
        response: { 200: Type.Ref(EventView) },
      },
    },
    async (request, reply) => {
      const { status, notes } = request.body;
      const updated = await events.review(
        callerOf(request),
        request.params.event_id,
        { ...(status !== undefined ? { status } : {}), ...(notes !== undefined ? { notes } : {}) },
        ifMatchOf(request),
      );
      return reply.header('etag', `"${updated.revision}"`).send(updated);
    },
  );

  app.get(
    `${BASE}/:event_id/snapshot`,
    {
      config: { permission: 'events:read' },
      schema: {
        tags: ['events'],
        summary: "The event's snapshot as JPEG",
        description:
          '404 `SNAPSHOT_NOT_FOUND` when the event has none (none was sent or captured, or retention removed it). Audited as `event.view_snapshot`, once per viewer and `VIGIL_AUDIT_VIEW_WINDOW_S`.',
        params: EventParams,
        response: {
          200: { description: 'The snapshot.', content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } } },
        },
      },
    },
    async (request, reply) => {
      const jpeg = await events.snapshot(callerOf(request), request.params.event_id);
      return reply.type('image/jpeg').header('cache-control', 'private, max-age=3600').send(jpeg);
    },
  );

  done();
};
