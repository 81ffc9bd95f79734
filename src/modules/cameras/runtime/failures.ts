// What a camera's failed connection says in `lastError` and the camera's log: a failure class and a
// message of Vigil's own words. Nothing the other side sent (a banner, a body, a reason phrase, a
// header, bytes of its stream, a certificate's names, ffmpeg's report of what a server said) is
// repeated, so a camera source pointed at some other service cannot be used to read what answers there.
import { HttpStreamError } from '../http-stream.js';
import { MjpegError } from '../mjpeg.js';
import type { Refusal } from '../source-network.js';
import { describeRefusal } from '../source-network.js';

/** A failure of one connection: its code, and whether retrying soon is pointless. */
export class IngestFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly persistent = false,
  ) {
    super(message);
  }
}

export const refusedFailure = (refusal: Refusal) =>
  new IngestFailure(
    'SOURCE_ADDRESS_REFUSED',
    `the source address is refused by the camera network rules: ${describeRefusal(refusal)}`,
    true,
  );

export const unresolvedFailure = (host: string) => new IngestFailure('HOST_NOT_FOUND', `the host name ${host} does not resolve`);

/** An HTTP status the camera answered with (401/403/404 are not worth retrying soon). */
export function httpStatusFailure(status: number): IngestFailure {
  return new IngestFailure(`HTTP_${status}`, `the camera answered HTTP ${status}`, status === 401 || status === 403 || status === 404);
}

/** An answer that is not an MJPEG stream (mjpeg.ts decides, by its type and its body); only whether it was a single JPEG is said of it. */
export function notMjpegFailure(singleJpeg: boolean): IngestFailure {
  const got = singleJpeg ? 'a single JPEG; is it a snapshot URL?' : 'neither multipart framing nor JPEGs';
  return new IngestFailure('NOT_MJPEG', `expected an MJPEG stream, got ${got}`, true);
}

const MJPEG_TEXT: Record<Exclude<MjpegError['reason'], 'not-mjpeg'>, string> = {
  'bad-part': 'a part of the stream is malformed',
  'not-jpeg': 'a part of the stream is not a JPEG',
  'frame-too-large': 'a frame exceeds the size limit',
};

const ERRNO: Record<string, [string, string]> = {
  ECONNREFUSED: ['CONNECTION_REFUSED', 'the connection was refused'],
  ECONNRESET: ['CONNECTION_RESET', 'the connection was reset'],
  EPIPE: ['CONNECTION_RESET', 'the connection was reset'],
  ECONNABORTED: ['CONNECTION_RESET', 'the connection was reset'],
  ETIMEDOUT: ['CONNECT_TIMEOUT', 'the connection timed out'],
  EHOSTUNREACH: ['UNREACHABLE', 'no route to the camera'],
  ENETUNREACH: ['UNREACHABLE', 'no route to the camera'],
  EHOSTDOWN: ['UNREACHABLE', 'no route to the camera'],
  ENETDOWN: ['UNREACHABLE', 'no route to the camera'],
  EADDRNOTAVAIL: ['UNREACHABLE', 'no route to the camera'],
  ENOTFOUND: ['HOST_NOT_FOUND', 'the host name does not resolve'],
  EAI_AGAIN: ['HOST_NOT_FOUND', 'the host name does not resolve'],
};

/** A failure in Vigil's words from whatever a connection threw. */
export function classifyFailure(error: unknown): IngestFailure {
  if (error instanceof IngestFailure) return error;
  if (error instanceof MjpegError) {
    return error.reason === 'not-mjpeg' ? notMjpegFailure(error.singleJpeg) : new IngestFailure('BAD_STREAM', MJPEG_TEXT[error.reason]);
  }
  const code = typeof (error as { code?: unknown } | null)?.code === 'string' ? (error as { code: string }).code : '';
  if (error instanceof HttpStreamError) {
    // These messages are the client's own; only BAD_RESPONSE quotes what was received.
    if (code === 'BAD_RESPONSE') return new IngestFailure('BAD_RESPONSE', 'the answer is not a valid HTTP/1.x response');
    if (code === 'CONNECT_TIMEOUT' || code === 'CONNECTION_FAILED') return new IngestFailure(code, error.message);
  }
  const known = ERRNO[code];
  if (known) return new IngestFailure(known[0], known[1]);
  if (code.startsWith('HPE_')) return new IngestFailure('BAD_RESPONSE', 'the answer is not a valid HTTP/1.x response');
  if (/^(ERR_TLS_|ERR_SSL_|EPROTO$|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_)/.test(code)) {
    return new IngestFailure('TLS_FAILED', 'the TLS handshake with the camera failed (certificate or protocol)');
  }
  return new IngestFailure('CONNECTION_FAILED', 'the connection failed');
}

/**
 * Why ffmpeg ended, from its exit code and the end of its error output, which is matched against
 * ffmpeg's own phrases and never repeated (it quotes servers' answers and may hold the URL).
 */
export function ffmpegFailure(code: number | null, stderr: string): IngestFailure {
  const status = /method \w+ failed: (\d{3})|Server returned (\d{3})/.exec(stderr);
  if (status) {
    const n = Number(status[1] ?? status[2]);
    return new IngestFailure(`RTSP_${n}`, `the camera answered RTSP ${n}`, n === 401 || n === 403 || n === 404);
  }
  if (/Connection refused/i.test(stderr)) return new IngestFailure('CONNECTION_REFUSED', 'the connection was refused');
  if (/timed out/i.test(stderr)) return new IngestFailure('CONNECT_TIMEOUT', 'the connection timed out');
  if (/No route to host|Network is unreachable/i.test(stderr)) return new IngestFailure('UNREACHABLE', 'no route to the camera');
  if (/Connection reset/i.test(stderr)) return new IngestFailure('CONNECTION_RESET', 'the connection was reset');
  if (/Invalid data found/i.test(stderr)) return new IngestFailure('BAD_STREAM', 'ffmpeg could not read the stream');
  return new IngestFailure('FFMPEG_EXITED', `ffmpeg exited with ${code}`);
}
