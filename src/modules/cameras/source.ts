// Camera sources: what a URL may be and how it is read. http(s) URLs are MJPEG streams unless they
// name a JPEG (…/snapshot.jpg, …/x.jpeg) or sourceType says `snapshot`; rtsp:// goes through ffmpeg.
// Credentials never ride in the URL: they would be shown in lists and written to logs.
import { CameraErrors } from './cameras.errors.js';

export type { CameraSourceType as SourceType } from '../../platform/db/schema.js';
import type { CameraSourceType as SourceType } from '../../platform/db/schema.js';

export function checkSource(sourceUrl: string, sourceType?: SourceType): SourceType {
  let url: URL;
  try {
    url = new URL(sourceUrl);
  } catch {
    throw CameraErrors.badUrl('it is not a URL');
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!['http', 'https', 'rtsp'].includes(scheme)) throw CameraErrors.badScheme(scheme);
  if (url.username || url.password) throw CameraErrors.credentialsInUrl();
  if (!url.hostname) throw CameraErrors.badUrl('it names no host');
  if (url.hash) throw CameraErrors.badUrl('it has a #fragment');
  if (scheme === 'rtsp') {
    if (sourceType !== undefined && sourceType !== 'rtsp') throw CameraErrors.badSourceType(sourceType, scheme);
    return 'rtsp';
  }
  if (sourceType === 'rtsp') throw CameraErrors.badSourceType(sourceType, scheme);
  return sourceType ?? (/\.jpe?g$/i.test(url.pathname) ? 'snapshot' : 'mjpeg');
}
