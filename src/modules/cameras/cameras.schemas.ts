import { Type } from '@sinclair/typebox';
import { PageQuery } from '../../platform/http/pagination.js';
import { CAMERA_STATES } from './runtime/worker.js';

const SourceType = Type.Union([Type.Literal('mjpeg'), Type.Literal('snapshot'), Type.Literal('rtsp')], {
  description:
    'How the source is read. Default: `rtsp` for rtsp:// URLs; for http(s), `snapshot` when the path ends in .jpg/.jpeg, else `mjpeg`.',
});
const Label = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]*$' });
const Credentials = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 256 }), password: Type.String({ maxLength: 1024 }) },
  {
    additionalProperties: false,
    description:
      'Write-only: sealed at rest, never returned (see `hasCredentials`). Sent to the camera as HTTP Basic, or in the RTSP URL given to ffmpeg.',
  },
);
const State = Type.Union(CAMERA_STATES.map((s) => Type.Literal(s)));
const UnitCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });

export const CameraParams = Type.Object({ camera_id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const NewCameraBody = Type.Object(
  {
    orgUnitCode: UnitCode,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    sourceUrl: Type.String({
      minLength: 8,
      maxLength: 2048,
      description: 'http(s):// MJPEG stream or JPEG snapshot, or rtsp://; no credentials in it.',
    }),
    sourceType: Type.Optional(SourceType),
    expectedFps: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 120, default: 5, description: 'Also the poll rate of snapshot sources.' }),
    ),
    frozenDetection: Type.Optional(
      Type.Union([Type.Boolean(), Type.Null()], {
        description:
          'Whether a frame with the same bytes as the one before counts as a frozen picture: after `VIGIL_CAMERA_STALL_TIMEOUT_MS` of nothing but repeats the camera is reconnected (`FROZEN`). Off, a repeat is a frame like any other. null or absent: the default for the source type, on for `mjpeg` and `rtsp`, off for `snapshot` (a still scene polled gives the same JPEG every time).',
      }),
    ),
    credentials: Type.Optional(Type.Union([Credentials, Type.Null()])),
    labels: Type.Optional(Type.Array(Label, { maxItems: 32 })),
    active: Type.Optional(Type.Boolean({ default: true })),
    autoStart: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const CameraPatchBody = Type.Object(
  {
    orgUnitCode: Type.Optional(UnitCode),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    sourceUrl: Type.Optional(Type.String({ minLength: 8, maxLength: 2048 })),
    sourceType: Type.Optional(SourceType),
    expectedFps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 120 })),
    frozenDetection: Type.Optional(
      Type.Union([Type.Boolean(), Type.Null()], {
        description:
          'Whether a frame with the same bytes as the one before counts as a frozen picture: after `VIGIL_CAMERA_STALL_TIMEOUT_MS` of nothing but repeats the camera is reconnected (`FROZEN`). Off, a repeat is a frame like any other. null: back to the default for the source type, on for `mjpeg` and `rtsp`, off for `snapshot` (a still scene polled gives the same JPEG every time).',
      }),
    ),
    credentials: Type.Optional(Type.Union([Credentials, Type.Null()], { description: 'null removes them.' })),
    labels: Type.Optional(Type.Array(Label, { maxItems: 32 })),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'The fields to change; a running camera picks up a new source at once. `active` and `autoStart` have their own routes.',
  },
);

export const CameraView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    orgUnitCode: Type.String(),
    name: Type.String(),
    sourceUrl: Type.String(),
    sourceType: SourceType,
    expectedFps: Type.Number(),
    frozenDetection: Type.Boolean({
      description:
        "Frozen detection in effect: the camera's own setting, else the default for its source type (on for streams, off for snapshots).",
    }),
    hasCredentials: Type.Boolean(),
    labels: Type.Array(Type.String()),
    active: Type.Boolean(),
    autoStart: Type.Boolean(),
    revision: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Camera', additionalProperties: false },
);

export const CameraStatusView = Type.Object(
  {
    cameraId: Type.String({ format: 'uuid' }),
    state: State,
    since: Type.String({ format: 'date-time', description: 'When the camera entered this state.' }),
    fps: Type.Union([Type.Number(), Type.Null()], {
      description:
        'New frames per second over the last 5 seconds (over the time since the first frame, on a younger connection); null during the first second of frames, which is too short to measure.',
    }),
    bytesPerSecond: Type.Union([Type.Number(), Type.Null()], { description: 'Bytes of new frames per second, measured like fps.' }),
    lastFrameAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    reconnects: Type.Integer({ description: 'Connections lost or refused since the camera was started.' }),
    lastError: Type.Union(
      [
        Type.Object(
          {
            code: Type.String(),
            message: Type.String(),
            at: Type.String({ format: 'date-time' }),
            cause: Type.Object(
              { code: Type.String(), message: Type.String(), at: Type.String({ format: 'date-time' }) },
              {
                additionalProperties: false,
                description:
                  'The failure that began the outage (the last time frames stopped, or the first attempt after a start); the last failure itself when the outage has just begun.',
              },
            ),
            failures: Type.Integer({ minimum: 1, description: 'Failed attempts in a row since frames last came.' }),
          },
          { additionalProperties: false, description: 'The last failure (of the last attempt), with the cause of the outage.' },
        ),
        Type.Null(),
      ],
      { description: 'Kept after the camera runs again, until the next failure.' },
    ),
    frameWidth: Type.Union([Type.Integer(), Type.Null()]),
    frameHeight: Type.Union([Type.Integer(), Type.Null()]),
  },
  { $id: 'CameraStatus', additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    orgUnitCode: Type.Optional({ ...UnitCode, description: 'Cameras of this unit and its subtree (today).' }),
    state: Type.Optional(State),
    label: Type.Optional(Label),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Text in the name or source URL.' })),
  },
  { additionalProperties: false },
);

export const BatchStatusBody = Type.Object(
  {
    cameraIds: Type.Array(Type.String({ maxLength: 100 }), {
      minItems: 1,
      maxItems: 1000,
      description: 'Camera ids; one that is not a valid id is listed under `notFound`, like an unknown one.',
    }),
  },
  { additionalProperties: false },
);

export const BatchStatusView = Type.Object(
  {
    items: Type.Array(Type.Ref(CameraStatusView)),
    notFound: Type.Array(Type.String(), { description: 'Ids that are not valid ids, do not exist or are outside your units.' }),
  },
  { additionalProperties: false },
);

export const AutoStartBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });

export const LogsQuery = Type.Object(
  {
    ...PageQuery,
    level: Type.Optional(
      Type.Array(Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')]), {
        description: 'One or more levels (repeat the parameter).',
      }),
    ),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Events at or after this instant.' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Events before this instant.' })),
  },
  { additionalProperties: false },
);

export const LogsView = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          at: Type.String({ format: 'date-time' }),
          level: Type.String(),
          kind: Type.Union([Type.Literal('state'), Type.Literal('error'), Type.Literal('operator')]),
          message: Type.String(),
          details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
          actorType: Type.Union([Type.String(), Type.Null()]),
          actorId: Type.Union([Type.String(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const RefreshView = Type.Object(
  {
    started: Type.Array(Type.String()),
    stopped: Type.Array(Type.String()),
    restarted: Type.Array(Type.String()),
    unchanged: Type.Integer(),
  },
  { additionalProperties: false },
);

export const HistoryQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Samples taken at or after this instant (the answer never reaches back more than an hour).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const HistoryView = Type.Object(
  {
    intervalSeconds: Type.Integer({ description: 'Time between samples (10 s): a longer gap means the camera was not running.' }),
    items: Type.Array(
      Type.Object(
        {
          at: Type.String({ format: 'date-time', description: 'When the sample was taken.' }),
          state: State,
          fps: Type.Union([Type.Number(), Type.Null()], { description: 'New frames per second then (as in the status).' }),
          reconnects: Type.Integer({
            minimum: 0,
            description: 'Connections lost or refused since the sample before (for the first sample of a run, since the camera started).',
          }),
        },
        { additionalProperties: false },
      ),
      { description: 'Oldest first, at most 360 (one hour).' },
    ),
  },
  { additionalProperties: false },
);
