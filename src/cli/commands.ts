// What each `vigil` command is called and says about itself. Its code (commands/<name>.ts) is
// loaded only when it runs: `vigil --help`, `vigil <command> --help` and `vigil version` load
// neither the server nor the database (test/cli-lazy.test.ts checks it). Import nothing here but
// Node's own modules.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command, CommandModule } from './command.js';

/**
 * `vigil serve`'s code: the one-file bundle the build makes of it (dist/serve/serve.js, loaded in
 * about half the time of its ~670 modules), or its modules when there is none (run from sources).
 */
async function loadServe(): Promise<CommandModule> {
  const bundle = new URL('../serve/serve.js', import.meta.url);
  if (existsSync(fileURLToPath(bundle))) return (await import(bundle.href)) as CommandModule;
  return import('./commands/serve.js');
}

export const commands: Command[] = [
  {
    name: 'serve',
    summary: 'Run the HTTP service (migrates the database first)',
    usage: 'vigil serve',
    help: `Starts Vigil: reads the configuration, opens the database (embedded PGlite under DATA_DIR
unless DATABASE_URL is set; a new one starts from the image made at build time), applies pending
migrations under an advisory lock, connects to Redis when REDIS_URL is set, and serves HTTP on
HOST:PORT (default 127.0.0.1:8080).
SIGTERM or SIGINT stops it gracefully: in-flight requests get VIGIL_SHUTDOWN_GRACE_MS to finish.`,
    load: loadServe,
  },
  {
    name: 'migrate',
    summary: 'Apply pending database migrations without serving',
    usage: 'vigil migrate [--status]',
    help: `Applies the SQL files of migrations/ that the database has not seen yet, in order, each in its
own transaction, under a PostgreSQL advisory lock (processes starting together apply each once).
  --status   list every migration and whether it is applied; change nothing`,
    load: () => import('./commands/migrate.js'),
  },
  {
    name: 'users',
    summary: 'Create, list, disable, enable users, reset passwords, grant and revoke roles',
    usage: 'vigil users <create|list|disable|enable|reset-password|grant|revoke> [options]',
    help: `Manages the people who sign in to Vigil. Changes are audited with actor "system" (cli).
  create --email E [--name N] [--role R [--unit CODE]] [--password-stdin]
                    create a user; without --password-stdin a strong password is generated and printed once
  list [--json]     list users with their role grants
  disable EMAIL     stop a user from signing in and end their sessions
  enable EMAIL      let a disabled user sign in again
  reset-password EMAIL [--password-stdin]
                    set a new password (generated and printed once unless read from stdin)
  grant EMAIL --role R [--unit CODE]     grant admin, operator, viewer or detector, globally or on a unit's subtree
  revoke EMAIL --role R [--unit CODE]    remove that grant
Passwords need at least 12 characters and must not be a common one.
The same rules hold for the HTTP API (/api/v1/users, docs/security.md).`,
    load: () => import('./commands/users.js'),
  },
  {
    name: 'apikeys',
    summary: 'Create, list and revoke API keys',
    usage: 'vigil apikeys <create|list|revoke> [options]',
    help: `Manages API keys for machines (CI, scripts, Prometheus). Changes are audited with actor "system" (cli).
  create --name N --role R [--unit CODE] [--expires-days D]
                    create a key and print it once (vgl_…); only its hash is kept
  list [--all] [--json]
                    list keys in force (--all: revoked ones too); the keys themselves are never shown
  revoke ID|NAME    stop a key at once (other running processes within 5 s)
Send a key as "Authorization: Bearer vgl_…". Roles: admin, operator, viewer, detector (writes detection events); --unit limits the key to that unit's subtree.`,
    load: () => import('./commands/apikeys.js'),
  },
  {
    name: 'keys',
    summary: 'List and rotate the signing keys of access tokens',
    usage: 'vigil keys <list|rotate>',
    help: `Manages the keys that sign access tokens (EdDSA JWTs).
  list      the keys: which one signs, which are retired (they still verify tokens they signed)
  rotate    retire the signing key and make a new one (audited as auth.signing_key_rotate)
Running processes keep signing with the key they loaded, which stays valid, until they restart.
With VIGIL_JWT_PRIVATE_KEY set, keys come from configuration: rotate there instead (new key first).`,
    load: () => import('./commands/keys.js'),
  },
  {
    name: 'config',
    summary: "Print the effective configuration with each value's source, secrets masked",
    usage: 'vigil config [--json]',
    help: `Reads the configuration as \`vigil serve\` would (defaults, then the JSON file named by
VIGIL_CONFIG, then the environment), validates it, and prints every setting with its source.
Secrets (METRICS_TOKEN, passwords inside DATABASE_URL and REDIS_URL) are masked.
Exits 1, with one line per problem, when the configuration is invalid.
  --json   print a JSON object instead of a table`,
    load: () => import('./commands/config.js'),
  },
  {
    name: 'camera-sim',
    summary: 'Serve synthetic MJPEG cameras with injectable faults, for tests, demos and benchmarks',
    usage: 'vigil camera-sim [--count N] [--port P] [--fps F] [--host H] [--width W --height H] [--quality Q]',
    // The fault modes are the simulator's FAULT_MODES (cli.test.ts checks that each is listed).
    help: `Serves N synthetic cameras until SIGINT or SIGTERM: MJPEG streams and JPEG snapshots of a moving
pattern with the time drawn in, for tests, the demo and benchmarks.
  --count N     number of cameras, 1-100000 (default 10)
  --port P      TCP port, 0 for any free one (default 9400)
  --fps F       frames per second of every stream, above 0 and at most 120 (default 5)
  --host H      address to listen on (default 127.0.0.1)
  --width W     frame width in pixels, 16-4096 (default 320)
  --height H    frame height in pixels, 16-4096 (default 240)
  --quality Q   JPEG quality, 1-100 (default 60)

URLs (n = 1..N):
  GET  /cameras/{n}/stream.mjpg    MJPEG (multipart/x-mixed-replace)
  GET  /cameras/{n}/snapshot.jpg   one JPEG
  POST /cameras/{n}/fault          set one camera's fault
  POST /faults                     set every camera's fault
  GET  /faults                     cameras whose fault is not "none"
  GET  /health

Faults, as JSON {"mode": M} with M one of none, stall, frozen, slow, jitter, refuse, 401, 500, close:
  stall     the connection stays open, no more frames (snapshots hang)
  frozen    the same frame, byte for byte, at the normal rate
  slow      frames at "fps" per second (default 1): {"mode":"slow","fps":0.5}
  jitter    each frame held back a random 0 to "jitterMs" ms (default 800), order kept: {"mode":"jitter","jitterMs":300}
  refuse    connections are reset without an HTTP response, open streams too
  401, 500  that status for new requests; open streams end
  close     streams end "afterSeconds" (default 2) after they start or the fault is set
  none      back to normal; a change applies at once to open streams
Example:
  curl -X POST http://127.0.0.1:9400/cameras/3/fault -d '{"mode":"stall"}'
  curl -X POST http://127.0.0.1:9400/faults -d '{"mode":"none"}'`,
    load: () => import('./commands/camera-sim.js'),
  },
  {
    name: 'model-sim',
    summary: 'Serve a scripted OpenAI-compatible model, for trying agents without a model, tests and benchmarks',
    usage: 'vigil model-sim [--port P] [--host H] [--rate N] [--api-key KEY]',
    help: `Serves the OpenAI chat-completions API (POST /v1/chat/completions, streamed or not, with tool calls;
GET /v1/models) until SIGINT or SIGTERM, answering from directives written into the last user message.
  --port P       TCP port, 0 for any free one (default 9500)
  --host H       address to listen on (default 127.0.0.1)
  --rate N       text deltas a second while streaming (default 50)
  --api-key KEY  answer 401 to requests without "Authorization: Bearer KEY"

Directives, in double brackets anywhere in the message:
  [[tool:NAME {json}]]   call tool NAME with those arguments, then answer from its result
  [[status:429]]         answer that status (also 500, 503, ...); [[status:429 times:2]] only twice
  [[drop:N]]             stream N words, then drop the connection
  [[delay:MS]]           wait MS milliseconds before answering
  [[words:N]]            a reply of N words
  [[rate:N]]             N words a second for this reply
Without a directive the reply is "You said: <the message>".
Example agent: {"provider": {"type": "openai-compatible", "baseUrl": "http://127.0.0.1:9500/v1", "model": "vigil-sim"}}`,
    load: () => import('./commands/model-sim.js'),
  },
  {
    name: 'version',
    summary: 'Print the version',
    usage: 'vigil version',
    help: 'Prints the name and version of this Vigil build, and the Node.js version running it.',
    load: () => import('./commands/version.js'),
  },
];
