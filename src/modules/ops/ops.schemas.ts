import { Type } from '@sinclair/typebox';
import { Page, PageQuery } from '../../platform/http/pagination.js';

const Status = Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]);

const Check = Type.Object(
  {
    name: Type.String(),
    status: Status,
    latencyMs: Type.Number({ description: 'How long the check took.' }),
    message: Type.String(),
  },
  { additionalProperties: false },
);

export const HealthResponse = Type.Object(
  {
    service: Type.String(),
    version: Type.String(),
    status: Status,
    timestamp: Type.String({ format: 'date-time' }),
    uptime: Type.Integer({ description: 'Seconds since the process started serving.' }),
    checks: Type.Array(Check),
    summary: Type.Object(
      { total: Type.Integer(), healthy: Type.Integer(), degraded: Type.Integer(), failed: Type.Integer() },
      { additionalProperties: false },
    ),
  },
  { $id: 'HealthResponse', additionalProperties: false },
);

export const ReadinessResponse = Type.Object({ status: Status, checks: Type.Array(Check) }, { additionalProperties: false });

export const LivenessResponse = Type.Object({ status: Type.Literal('alive'), uptime: Type.Integer() }, { additionalProperties: false });

export const InfoResponse = Type.Object(
  {
    service: Type.String(),
    version: Type.String(),
    startedAt: Type.String({ format: 'date-time' }),
    uptime: Type.Integer(),
    database: Type.Object({ kind: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]) }, { additionalProperties: false }),
    redis: Type.Object(
      { backend: Type.Union([Type.Literal('memory'), Type.Literal('redis')]), connected: Type.Boolean() },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const Migration = Type.Object(
  {
    version: Type.Integer(),
    name: Type.String(),
    checksum: Type.String({ description: 'SHA-256 of the file as applied.' }),
    appliedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Migration', additionalProperties: false },
);

export const MigrationPage = Page(Migration);
export const MigrationListQuery = Type.Object(PageQuery, { additionalProperties: false });
export const MigrationParams = Type.Object(
  { version: Type.Integer({ minimum: 1, maximum: 9999, description: 'The NNNN of NNNN-name.sql.' }) },
  { additionalProperties: false },
);
