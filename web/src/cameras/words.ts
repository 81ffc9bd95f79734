// A camera's state and its last failure said for a person (docs/cameras.md, "Status"). Pure.
import type { CameraState } from '../api/types';

const STATE: Record<CameraState | 'unknown', string> = {
  running: 'Frames are arriving at the expected rate or better.',
  degraded: 'Connected, but frames arrive at less than half the expected rate.',
  starting: 'Connecting for the first time (or waiting for a Vigil process to pick the camera up).',
  reconnecting: 'The connection was lost or refused; Vigil waits a moment and tries again.',
  error: 'The camera refuses Vigil in a way retrying will not fix soon (wrong credentials, wrong address); Vigil keeps trying.',
  stopped: 'Not wanted: start the camera to see it.',
  deactivated: 'Deactivated: it cannot start until it is activated again.',
  unknown: 'The state is not known yet.',
};

export function describeState(state: CameraState | 'unknown'): string {
  return STATE[state];
}

const FAILURE: Record<string, string> = {
  SOURCE_ADDRESS_REFUSED: 'The camera’s address is one the camera network rules refuse.',
  HOST_NOT_FOUND: 'The camera’s host name does not resolve.',
  CONNECTION_REFUSED: 'The camera refused the connection.',
  CONNECTION_RESET: 'The connection to the camera was reset.',
  CONNECT_TIMEOUT: 'The camera did not answer in time.',
  UNREACHABLE: 'There is no route to the camera.',
  TLS_FAILED: 'The secure connection to the camera failed (certificate or protocol).',
  CONNECTION_FAILED: 'The connection to the camera failed.',
  BAD_RESPONSE: 'The camera’s answer is not valid HTTP.',
  NOT_MJPEG: 'The address does not serve an MJPEG stream (try the “snapshot” source type for a single picture).',
  NOT_JPEG: 'The camera’s answer is not a JPEG picture.',
  BAD_STREAM: 'The stream could not be read.',
  FRAME_TOO_LARGE: 'A frame was larger than Vigil accepts.',
  STREAM_ENDED: 'The camera ended the stream.',
  STALLED: 'The stream stopped sending frames.',
  FROZEN: 'The stream kept sending the same picture.',
  HTTP_401: 'The camera refused the credentials (HTTP 401).',
  HTTP_403: 'The camera refused access (HTTP 403).',
  HTTP_404: 'The camera has nothing at this address (HTTP 404).',
  RTSP_401: 'The camera refused the credentials (RTSP 401).',
  RTSP_403: 'The camera refused access (RTSP 403).',
  RTSP_404: 'The camera has no stream at this address (RTSP 404).',
  FFMPEG_EXITED: 'The RTSP reader (ffmpeg) stopped.',
  FFMPEG_NOT_AVAILABLE: 'RTSP needs ffmpeg, which is not installed where Vigil runs.',
  WORKER_CRASHED: 'Vigil’s reader for this camera crashed and was restarted.',
};

/** A failure class (`lastError.code`) in words; an unlisted HTTP or RTSP status says its number. */
export function describeFailure(code: string): string {
  const known = FAILURE[code];
  if (known) return known;
  const status = /^(HTTP|RTSP)_(\d{3})$/.exec(code);
  if (status) return `The camera answered with ${status[1]} status ${status[2]}.`;
  return 'The camera could not be read.';
}

/** Whether a camera in this state may have frames to show (undefined: not known yet, so not asked for). */
export function hasPicture(state: CameraState | 'unknown' | undefined): boolean {
  return state !== undefined && state !== 'unknown' && state !== 'stopped' && state !== 'deactivated';
}
