import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { actorOf, credentialsOf, ifMatchOf } from '../../platform/http/request.js';
import { parseInstant } from '../../platform/dates.js';
import { DEFAULT_LIMIT, Page } from '../../platform/http/pagination.js';
import {
  AutoStartBody,
  BatchStatusBody,
  BatchStatusView,
  CameraParams,
  CameraPatchBody,
  CameraStatusView,
  CameraView,
  HistoryQuery,
  HistoryView,
  ListQuery,
  LogsQuery,
  LogsView,
  NewCameraBody,
  RefreshView,
} from './cameras.schemas.js';
import type { CameraCaller, CameraService } from './cameras.service.js';
import { FORWARDED_HEADER } from './cameras.service.js';

export interface CameraRouteDeps {
  cameras: CameraService;
}

const BASE = '/api/v1/cameras';

const ifMatchHeader = Type.Object(
  { 'if-match': Type.Optional(Type.String({ description: "The camera's revision; a stale one answers 412 PRECONDITION_FAILED." })) },
  { additionalProperties: true },
);

const Status = { 200: Type.Ref(CameraStatusView) };

export const cameraRoutes: FastifyPluginCallbackTypebox<CameraRouteDeps> = (app, { cameras }, done) => {
  /** Who asks: the scope policy in the service decides which cameras it may see and act on. */
  const callerOf = (request: FastifyRequest): CameraCaller => ({ principal: request.principal!, actor: actorOf(request) });

  app.post(
    BASE,
    {
      config: { permission: 'cameras:write' },
      schema: {
        tags: ['cameras'],
        summary: 'Register a camera',
        description:
          'At an org unit inside your grants. 400 `INVALID_SOURCE_URL`, `UNSUPPORTED_SCHEME`, `CREDENTIALS_IN_URL`, `UNKNOWN_ORG_UNIT`. Credentials are sealed at rest and never returned. Audited as `camera.create`.',
        body: NewCameraBody,
        response: { 201: Type.Ref(CameraView) },
      },
    },
    async (request, reply) => {
      return reply.code(201).send(await cameras.create(request.body, callerOf(request)));
    },
  );

  app.get(
    BASE,
    {
      config: { permission: 'cameras:read' },
      schema: {
        tags: ['cameras'],
        summary: 'List cameras',
        description:
          'Oldest first, cursor-paginated; only cameras of units inside your grants. Filters: org unit subtree, runtime state, label, text.',
        querystring: ListQuery,
        response: { 200: Page(Type.Ref(CameraView)) },
      },
    },
    async (request) => {
      const q = request.query;
      return cameras.list(callerOf(request), {
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        ...(q.orgUnitCode !== undefined ? { orgUnitCode: q.orgUnitCode } : {}),
        ...(q.label !== undefined ? { label: q.label } : {}),
        ...(q.q !== undefined ? { text: q.q } : {}),
        ...(q.state !== undefined ? { state: q.state } : {}),
      });
    },
  );

  app.post(
    `${BASE}/batch-status`,
    {
      config: { permission: 'cameras:read' },
      schema: {
        tags: ['cameras'],
        summary: 'Status of many cameras at once',
        description:
          'Up to 1,000 ids; those that are not valid ids, do not exist or are outside your units are listed under `notFound`. Audited as `camera.view_status`, one record per camera not yet recorded for you within `VIGIL_AUDIT_VIEW_WINDOW_S`.',
        body: BatchStatusBody,
        response: { 200: BatchStatusView },
      },
    },
    async (request) => {
      return cameras.batchStatus(callerOf(request), request.body.cameraIds);
    },
  );

  app.post(
    `${BASE}/refresh`,
    {
      config: { permission: 'cameras:control' },
      schema: {
        tags: ['cameras'],
        summary: 'Reconcile the runtime with the registry',
        description:
          'Starts active auto-start cameras that are not running, stops running cameras that were deactivated or deleted, and restarts those whose source changed; answers what it did. Only cameras inside your grants. Audited as `camera.refresh`.',
        response: { 200: RefreshView },
      },
    },
    async (request) => {
      return cameras.refresh(callerOf(request));
    },
  );

  app.get(
    `${BASE}/:camera_id`,
    {
      config: { permission: 'cameras:read' },
      schema: { tags: ['cameras'], summary: 'One camera', params: CameraParams, response: { 200: Type.Ref(CameraView) } },
    },
    async (request, reply) => {
      const found = await cameras.get(callerOf(request), request.params.camera_id);
      return reply.header('etag', `"${found.revision}"`).send(found);
    },
  );

  app.patch(
    `${BASE}/:camera_id`,
    {
      config: { permission: 'cameras:write' },
      schema: {
        tags: ['cameras'],
        summary: 'Change a camera',
        description: 'Takes If-Match. A running camera picks up a new source at once. Audited as `camera.update`.',
        params: CameraParams,
        headers: ifMatchHeader,
        body: CameraPatchBody,
        response: { 200: Type.Ref(CameraView) },
      },
    },
    async (request, reply) => {
      const updated = await cameras.update(callerOf(request), request.params.camera_id, request.body, ifMatchOf(request));
      return reply.header('etag', `"${updated.revision}"`).send(updated);
    },
  );

  app.delete(
    `${BASE}/:camera_id`,
    {
      config: { permission: 'cameras:write' },
      schema: {
        tags: ['cameras'],
        summary: 'Remove a camera',
        description: 'Stops it and removes it with its log. Takes If-Match. Audited as `camera.delete`.',
        params: CameraParams,
        headers: ifMatchHeader,
        response: { 204: Type.Null({ description: 'Removed.' }) },
      },
    },
    async (request, reply) => {
      await cameras.remove(callerOf(request), request.params.camera_id, ifMatchOf(request));
      return reply.code(204).send(null);
    },
  );

  const controls = [
    [
      'start',
      'Start ingesting',
      'Idempotent: a running camera answers 200 with its status. 409 `CAMERA_DEACTIVATED` for a deactivated camera.',
      'cameras:control',
    ],
    ['stop', 'Stop ingesting', 'Idempotent: a stopped camera answers 200 with its status.', 'cameras:control'],
    [
      'restart',
      'Restart ingesting',
      'Stops and starts again (a fresh connection); 409 `CAMERA_DEACTIVATED` for a deactivated camera.',
      'cameras:control',
    ],
    ['activate', 'Activate a camera', 'It may be started again (it does not start by itself).', 'cameras:control'],
    ['deactivate', 'Deactivate a camera', 'Stops it; it cannot start until activated again.', 'cameras:control'],
  ] as const;
  for (const [operation, summary, description, permission] of controls) {
    app.post(
      `${BASE}/:camera_id/${operation}`,
      {
        config: { permission },
        schema: {
          tags: ['cameras'],
          summary,
          description: `${description} Audited as \`camera.${operation}\`, and in the camera's log with who did it.`,
          params: CameraParams,
          response: Status,
        },
      },
      (request) => cameras[operation](callerOf(request), request.params.camera_id),
    );
  }

  app.get(
    `${BASE}/:camera_id/status`,
    {
      config: { permission: 'cameras:read' },
      schema: {
        tags: ['cameras'],
        summary: 'Runtime status of a camera',
        description:
          'State and since when, measured fps and bytes per second, last frame time, reconnects, last error, frame size. Audited as `camera.view_status`, once per viewer and `VIGIL_AUDIT_VIEW_WINDOW_S`.',
        params: CameraParams,
        response: Status,
      },
    },
    async (request) => {
      return cameras.status(callerOf(request), request.params.camera_id);
    },
  );

  app.put(
    `${BASE}/:camera_id/auto-start`,
    {
      config: { permission: 'cameras:write' },
      schema: {
        tags: ['cameras'],
        summary: 'Turn auto-start on or off',
        description: 'Cameras with auto-start run again when the service starts. Audited as `camera.auto_start`.',
        params: CameraParams,
        body: AutoStartBody,
        response: { 200: Type.Ref(CameraView) },
      },
    },
    async (request) => {
      return cameras.setAutoStart(callerOf(request), request.params.camera_id, request.body.enabled);
    },
  );

  app.get(
    `${BASE}/:camera_id/history`,
    {
      config: { permission: 'cameras:read' },
      schema: {
        tags: ['cameras'],
        summary: "A camera's status over the last hour",
        description:
          'State, fps and reconnects sampled every 10 s by the process that runs the camera, oldest first, at most one hour (360 samples); a gap between samples longer than `intervalSeconds` is time the camera was not running. Kept in memory: after a restart of that process, or when the camera moves to another process, the history starts again. Asked of the holding process when another one holds the camera, like the snapshot (502 `CAMERA_HOLDER_UNREACHABLE` when it does not answer). Audited as `camera.view_status`, once per viewer and `VIGIL_AUDIT_VIEW_WINDOW_S`.',
        params: CameraParams,
        querystring: HistoryQuery,
        response: { 200: HistoryView },
      },
    },
    async (request) => {
      const forwarded = request.headers[FORWARDED_HEADER] !== undefined;
      const from = request.query.from !== undefined ? parseInstant(request.query.from, 'from') : undefined;
      return cameras.history(
        callerOf(request),
        request.params.camera_id,
        from ? { from } : {},
        forwarded ? 'forwarded' : { headers: credentialsOf(request) },
      );
    },
  );

  app.get(
    `${BASE}/:camera_id/logs`,
    {
      config: { permission: 'cameras:read' },
      schema: {
        tags: ['cameras'],
        summary: "A camera's log",
        description:
          'State changes, errors and operator actions (with who did them), newest first; filter by level and time. Audited as `camera.view_logs`, once per viewer and `VIGIL_AUDIT_VIEW_WINDOW_S`.',
        params: CameraParams,
        querystring: LogsQuery,
        response: { 200: LogsView },
      },
    },
    async (request) => {
      const q = request.query;
      return cameras.logs(callerOf(request), request.params.camera_id, {
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        ...(q.level !== undefined ? { levels: q.level } : {}),
        ...(q.from !== undefined ? { from: parseInstant(q.from, 'from') } : {}),
        ...(q.to !== undefined ? { to: parseInstant(q.to, 'to') } : {}),
      });
    },
  );

  app.get(
    `${BASE}/:camera_id/snapshot`,
    {
      config: { permission: 'cameras:read' },
      schema: {
        tags: ['cameras'],
        summary: 'The latest frame as JPEG',
        description:
          'The latest frame of the camera, from whichever process ingests it: a request that reaches another process is fetched from the holder with the same credentials. 404 `NO_FRAME_YET` when the camera has no frame yet (not started, or still connecting); 502 `CAMERA_HOLDER_UNREACHABLE` when the holding process does not answer. A frame served is audited as `camera.view_snapshot`, once per viewer and `VIGIL_AUDIT_VIEW_WINDOW_S`.',
        params: CameraParams,
        response: {
          200: {
            description: 'The latest frame.',
            content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } },
          },
        },
      },
    },
    async (request, reply) => {
      // A request forwarded by another process is audited there, and is never forwarded again.
      const forwarded = request.headers[FORWARDED_HEADER] !== undefined;
      const frame = await cameras.snapshot(
        callerOf(request),
        request.params.camera_id,
        forwarded ? 'forwarded' : { headers: credentialsOf(request) },
      );
      return reply.type('image/jpeg').header('cache-control', 'no-store').send(frame);
    },
  );

  done();
};
