// A camera's credentials: sealed with the secrets key under the camera's own context when they are
// registered, opened only to hand a worker its source. The one place that seals and opens them, used
// by the service (registering) and the fleet (starting workers) alike; they are never returned or logged.
import type { SecretBox } from '../../platform/secrets.js';
import type { SourceRow } from './runtime/leases.repo.js';
import type { CameraSource } from './runtime/worker.js';
import { frozenDetectionOf } from './runtime/worker.js';

export interface Credentials {
  username: string;
  password: string;
}

export function createCameraCredentials(secrets: SecretBox) {
  const context = (id: string) => `camera:${id}:credentials`;
  return {
    /** The sealed form stored in `cameras.credentials_sealed` (null: no credentials). */
    seal(id: string, credentials: Credentials | null | undefined): string | null {
      return credentials ? secrets.encrypt(JSON.stringify(credentials), context(id)) : null;
    },
    /** What a worker connects with: the camera's source, its credentials opened. */
    sourceOf(row: SourceRow): CameraSource {
      return {
        id: row.id,
        sourceUrl: row.source_url,
        sourceType: row.source_type,
        expectedFps: Number(row.expected_fps),
        frozenDetection: frozenDetectionOf({ sourceType: row.source_type, frozenDetection: row.frozen_detection ?? undefined }),
        credentials:
          row.credentials_sealed === null ? null : (JSON.parse(secrets.decrypt(row.credentials_sealed, context(row.id))) as Credentials),
      };
    },
  };
}

export type CameraCredentials = ReturnType<typeof createCameraCredentials>;
