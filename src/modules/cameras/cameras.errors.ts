// Every error code of the cameras module, each written once with its status (docs/errors.md lists
// them for clients). The factories below are the only way the module makes them; the codes it shares
// with the platform (a stale revision, a unit outside the caller's grants) are the platform's.
import { errorCatalogue, platformErrors } from '../../platform/errors.js';
import type { Refusal } from './source-network.js';
import { describeRefusal } from './source-network.js';

export type CameraErrorCode =
  | 'CAMERA_NOT_FOUND'
  | 'INVALID_SOURCE_URL'
  | 'UNSUPPORTED_SCHEME'
  | 'CREDENTIALS_IN_URL'
  | 'INVALID_SOURCE_TYPE'
  | 'CAMERA_SOURCE_FORBIDDEN'
  | 'UNKNOWN_ORG_UNIT'
  | 'CAMERA_DEACTIVATED'
  | 'NO_FRAME_YET'
  | 'CAMERA_HOLDER_UNREACHABLE';

export const cameraErrors = errorCatalogue<CameraErrorCode>({
  CAMERA_NOT_FOUND: 404,
  INVALID_SOURCE_URL: 400,
  UNSUPPORTED_SCHEME: 400,
  CREDENTIALS_IN_URL: 400,
  INVALID_SOURCE_TYPE: 400,
  CAMERA_SOURCE_FORBIDDEN: 400,
  UNKNOWN_ORG_UNIT: 400,
  CAMERA_DEACTIVATED: 409,
  NO_FRAME_YET: 404,
  CAMERA_HOLDER_UNREACHABLE: 502,
});
const raise = cameraErrors.raise;

export const CameraErrors = {
  notFound: (id: string) => raise('CAMERA_NOT_FOUND', `camera ${id} does not exist`, { cameraId: id }),
  badUrl: (reason: string) => raise('INVALID_SOURCE_URL', `the source URL is not usable: ${reason}`, { reason }),
  badScheme: (scheme: string) =>
    raise('UNSUPPORTED_SCHEME', `source URLs start with http://, https:// or rtsp://, got "${scheme}"`, { scheme }),
  credentialsInUrl: () =>
    raise('CREDENTIALS_IN_URL', 'put the user name and password in `credentials`, not in the URL (they would be shown and logged)'),
  badSourceType: (sourceType: string, scheme: string) =>
    raise('INVALID_SOURCE_TYPE', `source type ${sourceType} does not fit a ${scheme} URL`, { sourceType, scheme }),
  sourceForbidden: (refusal: Refusal) =>
    raise('CAMERA_SOURCE_FORBIDDEN', `the source address is refused by the camera network rules: ${describeRefusal(refusal)}`, {
      reason: refusal.reason,
      address: refusal.address,
      port: refusal.port,
    }),
  unknownUnit: (code: string) => raise('UNKNOWN_ORG_UNIT', `org unit ${code} does not exist`, { orgUnitCode: code }),
  deactivated: (id: string) => raise('CAMERA_DEACTIVATED', `camera ${id} is deactivated; activate it before starting it`, { cameraId: id }),
  noFrame: (id: string) => raise('NO_FRAME_YET', `camera ${id} has no frame yet: start it, or wait for its first frame`, { cameraId: id }),
  holderUnreachable: (id: string, status?: number, what: 'snapshot' | 'history' = 'snapshot') =>
    raise(
      'CAMERA_HOLDER_UNREACHABLE',
      `camera ${id} is ingested by another Vigil process, which did not answer for its ${what}${status ? ` (HTTP ${status})` : ''}; try again`,
      { cameraId: id, ...(status ? { holderStatus: status } : {}) },
    ),
  /** The platform's code: a write against a revision that is no longer current. */
  stale: (id: string, expected: number, actual: number) =>
    platformErrors.raise('PRECONDITION_FAILED', `camera ${id} is at revision ${actual}, not ${expected}; read it again and retry`, {
      cameraId: id,
      expectedRevision: expected,
      revision: actual,
    }),
  /** The platform's code: a camera placed (or found) in a unit outside the caller's grants. */
  outOfScope: () => platformErrors.raise('FORBIDDEN', 'that org unit is outside the units your grants cover'),
} as const;
