// How an RTSP source is handed to ffmpeg without its credentials on ffmpeg's command line, which
// every user of the machine can read (`ps`, /proc/<pid>/cmdline). ffmpeg 5 has no way to read an
// option's value from a file (`-/i file` came with ffmpeg 7), and its RTSP client takes credentials
// only in the URL. So ffmpeg reads a three-line concat script from its stdin (`-f concat -i pipe:0`)
// naming the URL, with the credentials in it: the pipe is private to Vigil and ffmpeg, and nothing of
// the source (not its address either) is in the arguments. The script asks for RTSP over TCP, and
// the protocol whitelist lets ffmpeg open nothing but that pipe and TCP connections.

/** What ffmpeg may open: its stdin (the script) and TCP (RTSP with interleaved RTP). */
const PROTOCOLS = 'pipe,tcp';

/** The URL ffmpeg connects to: the source's, with its credentials percent-encoded in the user info. */
export function rtspUrl(source: { sourceUrl: string; credentials: { username: string; password: string } | null }): string {
  const url = new URL(source.sourceUrl);
  if (source.credentials) {
    url.username = encodeURIComponent(source.credentials.username);
    url.password = encodeURIComponent(source.credentials.password);
  }
  return url.toString();
}

/**
 * The concat script that names `url` as ffmpeg's only input, read over TCP. In ffmpeg's quoting
 * everything between single quotes is literal, and a quote is written as '\''.
 */
export function ffconcatScript(url: string): string {
  if (/[\r\n\0]/.test(url)) throw new Error('an ffmpeg input URL cannot hold a line break or NUL');
  return `ffconcat version 1.0\nfile '${url.replaceAll("'", "'\\''")}'\noption rtsp_transport tcp\n`;
}

/** ffmpeg's arguments: the input is the script on stdin; the output, MJPEG at `fps` on stdout. */
export function ffmpegArgs(fps: number): string[] {
  return [
    '-nostdin',
    '-loglevel',
    'error',
    '-f',
    'concat',
    '-safe',
    '0',
    '-protocol_whitelist',
    PROTOCOLS,
    '-i',
    'pipe:0',
    '-an',
    '-f',
    'mjpeg',
    '-q:v',
    '5',
    '-r',
    String(fps),
    'pipe:1',
  ];
}
