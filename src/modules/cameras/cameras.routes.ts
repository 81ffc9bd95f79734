import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { Reach, ScopePolicy } from '../auth/index.js';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { actorOf, credentialsOf, ifMatchOf } from '../../platform/http/request.js';
import { parseInstant } from '../../platform/dates.js';
import type { Permission } from '../../platform/http/access.js';
import { DEFAULT_LIMIT, Page } from '../../platform/http/pagination.js';
import { CameraErrors } from './cameras.errors.js';
import type { CameraRow } from './cameras.repo.js';
import {
  AutoStartBody,
  BatchStatusBody,
  BatchStatusView,
  CameraParams,
  CameraPatchBody,
  CameraStatusView,
  CameraView,
  ListQuery,
  LogsQuery,
  LogsView,
  NewCameraBody,
  RefreshView,
} from './cameras.schemas.js';
import type { CameraService } from './cameras.service.js';
import { FORWARDED_HEADER } from './cameras.service.js';

export interface CameraRouteDeps {
  cameras: CameraService;
  /** Which cameras a caller may see and act on (the units its grants cover). */
  policy: ScopePolicy;
}

const BASE = '/api/v1/cameras';

const ifMatchHeader = Type.Object(
  { 'if-match': Type.Optional(Type.String({ description: "The camera's revision; a stale one answers 412 PRECONDITION_FAILED." })) },
  { additionalProperties: true },
);

const Status = { 200: Type.Ref(CameraStatusView) };

export const cameraRoutes: FastifyPluginCallbackTypebox<CameraRouteDeps> = (app, { cameras, policy }, done) => {
  /** The org units whose cameras the caller may reach with `permission`: 'all', or a set (today's tree). */
  const reach = (request: FastifyRequest, permission: Permission) => policy.reach(request.principal!, permission);
  const inside = (units: Reach, code: string) => policy.covers(units, code);

  /** The camera, if the caller may read it (404 otherwise), and may use `permission` on it (403 otherwise). */
  async function camera(request: FastifyRequest, id: string, permission: Permission = 'cameras:read'): Promise<CameraRow> {
    const row = await cameras.row(id);
    if (!inside(await reach(request, 'cameras:read'), row.org_unit_code)) throw CameraErrors.notFound(id);
    if (permission !== 'cameras:read' && !inside(await reach(request, permission), row.org_unit_code)) throw CameraErrors.outOfScope();
    return row;
  }

  /**
   * What `camera` checks, as a check of the camera's org unit that the service runs on the row it
   * reads (under its lock), so that a control call reads the camera once.
   */
  async function mayAct(request: FastifyRequest, id: string, permission: Permission): Promise<(orgUnitCode: string) => void> {
    const readable = await reach(request, 'cameras:read');
    const allowed = permission === 'cameras:read' ? readable : await reach(request, permission);
    return (orgUnitCode) => {
      if (!inside(readable, orgUnitCode)) throw CameraErrors.notFound(id);
      if (!inside(allowed, orgUnitCode)) throw CameraErrors.outOfScope();
    };
  }

  async function mayPlaceIn(request: FastifyRequest, orgUnitCode: string): Promise<void> {
    if (!inside(await reach(request, 'cameras:write'), orgUnitCode)) throw CameraErrors.outOfScope();
  }

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
      await mayPlaceIn(request, request.body.orgUnitCode);
      return reply.code(201).send(await cameras.create(request.body, actorOf(request)));
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
      const seen = await reach(request, 'cameras:read');
      let units: string[] | undefined = seen === 'all' ? undefined : [...seen];
      if (q.orgUnitCode !== undefined) units = [...(await policy.narrow(seen, q.orgUnitCode))];
      return cameras.list({
        limit: q.limit ?? DEFAULT_LIMIT,
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        ...(units !== undefined ? { units } : {}),
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
          'Up to 1,000 ids; those that are not valid ids, do not exist or are outside your units are listed under `notFound`. Audited as `camera.view_statuses` (one record per request, with the counts).',
        body: BatchStatusBody,
        response: { 200: BatchStatusView },
      },
    },
    async (request) => {
      const seen = await reach(request, 'cameras:read');
      return cameras.batchStatus(request.body.cameraIds, (row) => inside(seen, row.org_unit_code), actorOf(request));
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
      const units = await reach(request, 'cameras:control');
      return cameras.refresh(actorOf(request), (row) => inside(units, row.org_unit_code));
    },
  );

  app.get(
    `${BASE}/:camera_id`,
    {
      config: { permission: 'cameras:read' },
      schema: { tags: ['cameras'], summary: 'One camera', params: CameraParams, response: { 200: Type.Ref(CameraView) } },
    },
    async (request, reply) => {
      const row = await camera(request, request.params.camera_id);
      return reply.header('etag', `"${row.revision}"`).send(await cameras.get(row.id));
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
      await camera(request, request.params.camera_id, 'cameras:write');
      if (request.body.orgUnitCode !== undefined) await mayPlaceIn(request, request.body.orgUnitCode);
      const updated = await cameras.update(request.params.camera_id, request.body, actorOf(request), ifMatchOf(request));
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
      await camera(request, request.params.camera_id, 'cameras:write');
      await cameras.remove(request.params.camera_id, actorOf(request), ifMatchOf(request));
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
      async (request) => {
        const id = request.params.camera_id;
        return cameras[operation](id, actorOf(request), await mayAct(request, id, permission));
      },
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
          'State and since when, measured fps and bytes per second, last frame time, reconnects, last error, frame size. Audited as `camera.view_status`.',
        params: CameraParams,
        response: Status,
      },
    },
    async (request) => {
      await camera(request, request.params.camera_id);
      return cameras.status(request.params.camera_id, actorOf(request));
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
      await camera(request, request.params.camera_id, 'cameras:write');
      return cameras.setAutoStart(request.params.camera_id, request.body.enabled, actorOf(request));
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
          'State changes, errors and operator actions (with who did them), newest first; filter by level and time. Audited as `camera.view_logs`.',
        params: CameraParams,
        querystring: LogsQuery,
        response: { 200: LogsView },
      },
    },
    async (request) => {
      await camera(request, request.params.camera_id);
      const q = request.query;
      return cameras.logs(
        request.params.camera_id,
        {
          limit: q.limit ?? DEFAULT_LIMIT,
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
          ...(q.level !== undefined ? { levels: q.level } : {}),
          ...(q.from !== undefined ? { from: parseInstant(q.from, 'from') } : {}),
          ...(q.to !== undefined ? { to: parseInstant(q.to, 'to') } : {}),
        },
        actorOf(request),
      );
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
          'The latest frame of the camera, from whichever process ingests it: a request that reaches another process is fetched from the holder with the same credentials. 404 `NO_FRAME_YET` when the camera has no frame yet (not started, or still connecting); 502 `CAMERA_HOLDER_UNREACHABLE` when the holding process does not answer. A frame served is audited as `camera.view_snapshot`.',
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
      await camera(request, request.params.camera_id);
      // A request forwarded by another process was audited there, and is never forwarded again.
      const forwarded = request.headers[FORWARDED_HEADER] !== undefined;
      const frame = await cameras.snapshot(
        request.params.camera_id,
        forwarded ? undefined : actorOf(request),
        forwarded ? undefined : { headers: credentialsOf(request) },
      );
      return reply.type('image/jpeg').header('cache-control', 'no-store').send(frame);
    },
  );

  done();
};
