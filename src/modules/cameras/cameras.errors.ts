import { AppError } from '../../platform/errors.js';
import type { Refusal } from './source-network.js';
import { describeRefusal } from './source-network.js';

export const CameraErrors = {
  notFound: (id: string) => new AppError(404, 'CAMERA_NOT_FOUND', `camera ${id} does not exist`, { cameraId: id }),
  badUrl: (reason: string) => new AppError(400, 'INVALID_SOURCE_URL', `the source URL is not usable: ${reason}`, { reason }),
  badScheme: (scheme: string) =>
    new AppError(400, 'UNSUPPORTED_SCHEME', `source URLs start with http://, https:// or rtsp://, got "${scheme}"`, { scheme }),
  credentialsInUrl: () =>
    new AppError(
      400,
      'CREDENTIALS_IN_URL',
      'put the user name and password in `credentials`, not in the URL (they would be shown and logged)',
    ),
  badSourceType: (sourceType: string, scheme: string) =>
    new AppError(400, 'INVALID_SOURCE_TYPE', `source type ${sourceType} does not fit a ${scheme} URL`, { sourceType, scheme }),
  sourceForbidden: (refusal: Refusal) =>
    new AppError(400, 'CAMERA_SOURCE_FORBIDDEN', `the source address is refused by the camera network rules: ${describeRefusal(refusal)}`, {
      reason: refusal.reason,
      address: refusal.address,
      port: refusal.port,
    }),
  unknownUnit: (code: string) => new AppError(400, 'UNKNOWN_ORG_UNIT', `org unit ${code} does not exist`, { orgUnitCode: code }),
  deactivated: (id: string) =>
    new AppError(409, 'CAMERA_DEACTIVATED', `camera ${id} is deactivated; activate it before starting it`, { cameraId: id }),
  stale: (id: string, expected: number, actual: number) =>
    new AppError(412, 'PRECONDITION_FAILED', `camera ${id} is at revision ${actual}, not ${expected}; read it again and retry`, {
      cameraId: id,
      expectedRevision: expected,
      revision: actual,
    }),
  noFrame: (id: string) =>
    new AppError(404, 'NO_FRAME_YET', `camera ${id} has no frame yet: start it, or wait for its first frame`, { cameraId: id }),
  holderUnreachable: (id: string, status?: number) =>
    new AppError(
      502,
      'CAMERA_HOLDER_UNREACHABLE',
      `camera ${id} is ingested by another Vigil process, which did not answer for its snapshot${status ? ` (HTTP ${status})` : ''}; try again`,
      { cameraId: id, ...(status ? { holderStatus: status } : {}) },
    ),
  outOfScope: () => new AppError(403, 'FORBIDDEN', 'that org unit is outside the units your grants cover'),
} as const;
