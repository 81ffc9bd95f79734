// What a failed connection says: a class and Vigil's own words, never what the other side sent.
import { describe, expect, it } from 'vitest';
import { HttpStreamError } from '../http-stream.js';
import { MjpegError } from '../mjpeg.js';
import { IngestFailure, classifyFailure, ffmpegFailure, httpStatusFailure, notMjpegFailure } from './failures.js';

const PEER = 'SECRET-BANNER';
const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('classifyFailure', () => {
  it('names socket failures by class, in its own words', () => {
    const cases: [unknown, string][] = [
      [errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6379'), 'CONNECTION_REFUSED'],
      [new HttpStreamError('ECONNRESET', 'read ECONNRESET'), 'CONNECTION_RESET'],
      [errno('ETIMEDOUT', 'connect ETIMEDOUT'), 'CONNECT_TIMEOUT'],
      [errno('EHOSTUNREACH', 'connect EHOSTUNREACH'), 'UNREACHABLE'],
      [errno('ENOTFOUND', 'getaddrinfo ENOTFOUND cam'), 'HOST_NOT_FOUND'],
      [errno('ERR_TLS_CERT_ALTNAME_INVALID', `Hostname/IP does not match certificate's altnames: DNS:${PEER}`), 'TLS_FAILED'],
      [errno('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'TLS_FAILED'],
      [errno('HPE_INVALID_CONSTANT', `Parse Error: Expected HTTP/ ${PEER}`), 'BAD_RESPONSE'],
      [new HttpStreamError('BAD_RESPONSE', `not an HTTP/1.x response: "${PEER}"`), 'BAD_RESPONSE'],
      [new MjpegError('not-jpeg', `a part is not a JPEG: it starts with ${PEER}`), 'BAD_STREAM'],
      [new MjpegError('bad-part', `not a part header: "${PEER}"`), 'BAD_STREAM'],
      [new Error(`something else: ${PEER}`), 'CONNECTION_FAILED'],
      ['a string', 'CONNECTION_FAILED'],
    ];
    for (const [error, code] of cases) {
      const failure = classifyFailure(error);
      expect(failure.code, String(error)).toBe(code);
      expect(failure.message).not.toContain(PEER);
      expect(failure.message).not.toMatch(/ECONN|127\.0\.0\.1|6379/);
    }
  });

  it('keeps failures that are already classified, and the client’s own timeout words', () => {
    const own = new IngestFailure('STALLED', 'no frame for 3000 ms while connected');
    expect(classifyFailure(own)).toBe(own);
    expect(classifyFailure(new HttpStreamError('CONNECT_TIMEOUT', 'no answer within 5000 ms'))).toMatchObject({
      code: 'CONNECT_TIMEOUT',
      message: 'no answer within 5000 ms',
    });
  });
});

describe('answers', () => {
  it('gives the HTTP status without its reason phrase; 401/403/404 are persistent', () => {
    expect(httpStatusFailure(401)).toMatchObject({ code: 'HTTP_401', message: 'the camera answered HTTP 401', persistent: true });
    expect(httpStatusFailure(500)).toMatchObject({ code: 'HTTP_500', persistent: false });
    expect(httpStatusFailure(302)).toMatchObject({ code: 'HTTP_302', persistent: false });
  });

  it('says of an answer that is not MJPEG only whether it was a single JPEG', () => {
    expect(notMjpegFailure(true)).toMatchObject({ code: 'NOT_MJPEG', persistent: true });
    expect(notMjpegFailure(true).message).toContain('snapshot URL');
    expect(notMjpegFailure(false).message).not.toContain('snapshot');
    const other = classifyFailure(new MjpegError('not-mjpeg', `not an MJPEG stream: it starts with "text/plain; ${PEER}"`));
    expect(other).toMatchObject({ code: 'NOT_MJPEG', persistent: true });
    expect(other.message).not.toMatch(/text\/plain|SECRET/);
    expect(classifyFailure(new MjpegError('not-mjpeg', 'one picture', true)).message).toContain('single JPEG');
  });
});

describe('ffmpegFailure', () => {
  it('classifies ffmpeg’s report without repeating it', () => {
    const cases: [string, string, boolean][] = [
      [`[rtsp @ 0x1] method DESCRIBE failed: 401 ${PEER}\nrtsp://10.0.0.1/x: Server returned 401 Unauthorized`, 'RTSP_401', true],
      [`[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found ${PEER}`, 'RTSP_404', true],
      [`[rtsp @ 0x1] method SETUP failed: 500 ${PEER}`, 'RTSP_500', false],
      ['[tcp @ 0x1] Connection to tcp://10.0.0.1:554?timeout=0 failed: Connection refused', 'CONNECTION_REFUSED', false],
      ['[tcp @ 0x1] Connection to tcp://10.0.0.1:554 failed: Connection timed out', 'CONNECT_TIMEOUT', false],
      ['[tcp @ 0x1] Connection to tcp://10.0.0.1:554 failed: No route to host', 'UNREACHABLE', false],
      [`rtsp://10.0.0.1/x: Invalid data found when processing input\n${PEER}`, 'BAD_STREAM', false],
      [`${PEER} anything else`, 'FFMPEG_EXITED', false],
    ];
    for (const [stderr, code, persistent] of cases) {
      const failure = ffmpegFailure(1, stderr);
      expect(failure, stderr).toMatchObject({ code, persistent });
      expect(failure.message).not.toMatch(/SECRET|10\.0\.0\.1|rtsp:/);
    }
    expect(ffmpegFailure(186, 'x').message).toBe('ffmpeg exited with 186');
  });
});
