// Typed configuration: defaults, then an optional JSON file (VIGIL_CONFIG), then the environment.
// This is the only module that reads process.env; everything else receives a Config.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkPassword } from './modules/auth/password-policy.js';
import { parseNetworkList } from './modules/cameras/source-network.js';

export type ConfigSource = 'default' | 'file' | 'env';

interface Spec<T> {
  /** What the README and `vigil config --help` say about it. */
  description: string;
  /** The form a value must have, as printed in error messages. */
  expected: string;
  defaultValue: T | undefined;
  /** Masked in `vigil config` and never logged. `url` masks only the password part. */
  secret?: 'value' | 'url';
  parse(raw: unknown): T | undefined;
}

class Invalid extends Error {}

function int(description: string, min: number, max: number, defaultValue?: number): Spec<number> {
  const expected = `an integer ${min}-${max}`;
  return {
    description,
    expected,
    defaultValue,
    parse(raw) {
      const text = String(raw).trim();
      if (!/^-?\d+$/.test(text)) throw new Invalid();
      const value = Number(text);
      if (!Number.isSafeInteger(value) || value < min || value > max) throw new Invalid();
      return value;
    },
  };
}

function oneOf<const T extends string>(description: string, values: readonly T[], defaultValue: T): Spec<T> {
  return {
    description,
    expected: `one of ${values.join(', ')}`,
    defaultValue,
    parse(raw) {
      const text = String(raw).trim();
      if (!(values as readonly string[]).includes(text)) throw new Invalid();
      return text as T;
    },
  };
}

function bool(description: string, defaultValue: boolean): Spec<boolean> {
  return {
    description,
    expected: 'true or false',
    defaultValue,
    parse(raw) {
      if (typeof raw === 'boolean') return raw;
      const text = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(text)) return true;
      if (['false', '0', 'no', 'off'].includes(text)) return false;
      throw new Invalid();
    },
  };
}

function text(description: string, defaultValue?: string, secret?: 'value'): Spec<string> {
  return {
    description,
    expected: 'a non-empty string',
    defaultValue,
    ...(secret ? { secret } : {}),
    parse(raw) {
      if (typeof raw !== 'string' && typeof raw !== 'number') throw new Invalid();
      const value = String(raw);
      // An empty variable means "unset", the way shells and compose files write it.
      return value === '' ? undefined : value;
    },
  };
}

function url(description: string, protocols: readonly string[]): Spec<string> {
  return {
    description,
    expected: `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    defaultValue: undefined,
    secret: 'url',
    parse(raw) {
      if (typeof raw !== 'string') throw new Invalid();
      if (raw === '') return undefined;
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new Invalid();
      }
      if (!protocols.includes(parsed.protocol)) throw new Invalid();
      return raw;
    },
  };
}

function timeZone(description: string, defaultValue: string): Spec<string> {
  return {
    description,
    expected: 'an IANA time zone such as UTC or Europe/Berlin',
    defaultValue,
    parse(raw) {
      if (typeof raw !== 'string' || raw.trim() === '') throw new Invalid();
      try {
        return new Intl.DateTimeFormat('en-CA', { timeZone: raw.trim() }).resolvedOptions().timeZone;
      } catch {
        throw new Invalid();
      }
    },
  };
}

function list(description: string, item: RegExp, defaultValue: string[]): Spec<string[]> {
  return {
    description,
    expected: `a comma-separated list of ${String(item)}`,
    defaultValue,
    parse(raw) {
      const items = (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map((i) => i.trim()).filter(Boolean);
      if (items.length === 0 || !items.every((i) => item.test(i))) throw new Invalid();
      return [...new Set(items)];
    },
  };
}

function networks(description: string): Spec<string[]> {
  return {
    description,
    expected: 'a comma-separated list of networks in CIDR form or addresses (e.g. `10.20.0.0/16,fd00::/8,192.168.1.7`)',
    defaultValue: [],
    parse(raw) {
      const text = Array.isArray(raw) ? raw.map(String).join(',') : String(raw);
      const { networks, invalid } = parseNetworkList(text);
      if (invalid.length > 0) throw new Invalid();
      return [...new Set(networks.map((n) => n.text))];
    },
  };
}

/** Every setting, by the name it has in the environment and in the config file. */
export const settings = {
  NODE_ENV: oneOf(
    'Deployment mode. `production` turns on stricter defaults (secure cookies, loud warnings for generated keys).',
    ['development', 'production', 'test'],
    'development',
  ),
  HOST: text('Address the HTTP server binds to.', '127.0.0.1'),
  PORT: int('Port of the HTTP server; 0 picks a free one.', 0, 65535, 8080),
  DATA_DIR: text('Directory for local state: the embedded database and generated files.', './data'),
  DATABASE_URL: url('PostgreSQL server to use. Unset: the embedded PGlite database under `DATA_DIR/pgdata`.', ['postgres:', 'postgresql:']),
  VIGIL_DB_POOL_SIZE: int('Maximum connections in the PostgreSQL pool.', 1, 1000, 10),
  VIGIL_DB_STATEMENT_TIMEOUT_MS: int(
    'Longest a statement may run on the PostgreSQL server (`statement_timeout`); a slower one is cancelled and answered 503 `DATABASE_UNAVAILABLE`. Migrations run without it.',
    100,
    3_600_000,
    5_000,
  ),
  VIGIL_DB_QUERY_TIMEOUT_MS: int(
    'Longest Vigil waits for PostgreSQL to answer a query, even when the server or the network is silent; the connection is then closed and the request answered 503 `DATABASE_UNAVAILABLE`. Must be greater than `VIGIL_DB_STATEMENT_TIMEOUT_MS`, so that a server that answers cancels a slow statement first. Unset: `VIGIL_DB_STATEMENT_TIMEOUT_MS` + 1000. Migrations run without it.',
    200,
    3_660_000,
  ),
  VIGIL_DB_CONNECT_TIMEOUT_MS: int(
    'How long to wait for a PostgreSQL connection before answering 503 `DATABASE_UNAVAILABLE`.',
    100,
    120_000,
    3_000,
  ),
  REDIS_URL: url('Redis server for shared cache, rate-limit counters and pub/sub. Unset: in-process stores.', ['redis:', 'rediss:']),
  VIGIL_REDIS_KEY_PREFIX: text('Prefix of every Redis key Vigil writes.', 'vigil:'),
  LOG_LEVEL: oneOf('Minimum level of log lines.', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  LOG_DIR: text('When set, logs are also written to `vigil.log` and `vigil-error.log` here, rotated daily.'),
  VIGIL_LOG_KEEP_FILES: int('How many rotated log files of each kind to keep.', 1, 3650, 14),
  METRICS_PORT: int('When set, `/metrics` is also served alone on this port.', 1, 65535),
  METRICS_TOKEN: text('When set, `/metrics` requires `Authorization: Bearer <token>`.', undefined, 'value'),
  VIGIL_BODY_LIMIT_BYTES: int('Largest request body accepted; larger ones get 413.', 1024, 104_857_600, 1_048_576),
  VIGIL_SHUTDOWN_GRACE_MS: int('On SIGTERM/SIGINT, how long in-flight requests may take before connections are cut.', 0, 600_000, 10_000),
  VIGIL_HEALTH_TIMEOUT_MS: int('Timeout of each health check.', 50, 60_000, 2_000),
  VIGIL_TRUST_PROXY: bool('Trust `X-Forwarded-*` headers (behind a reverse proxy).', false),
  VIGIL_ADVERTISE_URL: url(
    'Base URL at which the other Vigil processes reach this one (a camera snapshot asked of one process is fetched from the process that holds the camera). Unset: `http://HOST:port`, with 127.0.0.1 for a wildcard HOST.',
    ['http:', 'https:'],
  ),
  VIGIL_SECRET_KEY: text(
    'Key(s) encrypting secrets at rest (AES-256-GCM): base64 of 32 bytes, or `id:base64,…` with the first encrypting and the rest only decrypting. Unset: generated into `DATA_DIR/secret-key` (set it in production and on every node).',
    undefined,
    'value',
  ),
  VIGIL_AUDIT_RETENTION_DAYS: int('Audit events older than this many days are deleted by the daily retention job.', 1, 36_500, 90),
  VIGIL_AUDIT_VIEW_WINDOW_S: int(
    "Views (a camera's status, logs and frames, an event's snapshot) are audited once per viewer, resource and this many seconds, by each process; 0 audits every view. Control actions and changes are always audited one by one.",
    0,
    86_400,
    600,
  ),
  VIGIL_ADMIN_EMAIL: text('On a database with no users, start-up creates the first admin with this email.', 'admin@vigil.local'),
  VIGIL_ADMIN_PASSWORD: text(
    'Password of that first admin; one that breaks the password policy (12+ characters, not common, not containing the email name) stops start-up before the database is opened. Unset: a strong one is generated into `DATA_DIR/initial-admin-password` (mode 0600).',
    undefined,
    'value',
  ),
  VIGIL_ACCESS_TOKEN_TTL_S: int('Lifetime of access tokens (JWT), in seconds.', 60, 86_400, 900),
  VIGIL_REFRESH_TOKEN_TTL_S: int('Absolute lifetime of a login session (its refresh tokens), in seconds.', 3_600, 31_536_000, 2_592_000),
  VIGIL_REFRESH_IDLE_TTL_S: int('A session unused for this long ends, in seconds.', 600, 31_536_000, 604_800),
  VIGIL_REFRESH_GRACE_S: int('Window in which a just-rotated refresh token may be presented again (racing tabs), in seconds.', 0, 10, 5),
  VIGIL_JWT_ISSUER: text('`iss` of access tokens.', 'vigil'),
  VIGIL_JWT_AUDIENCE: text('`aud` of access tokens.', 'vigil-api'),
  VIGIL_PUBLIC_URL: url('The address people reach Vigil at. When it is https, responses carry HSTS.', ['http:', 'https:']),
  VIGIL_CORS_ORIGINS: text(
    'Comma-separated origins allowed to call the API from a browser (e.g. `https://ops.example.com`). Unset: CORS closed.',
  ),
  VIGIL_JWT_CLOCK_SKEW_S: int('Clock skew tolerated when validating access tokens, in seconds.', 0, 300, 30),
  VIGIL_JWT_PRIVATE_KEY: text(
    'Ed25519 private key(s) signing access tokens, as PKCS#8 PEM or the path of a file holding them: the first signs, the others only verify (rotation). Unset: keys are generated and kept in the database, sealed with the secrets key.',
    undefined,
    'value',
  ),
  VIGIL_RATE_LIMIT_MAX: int(
    'Requests per window a signed-in user or API key (or, when anonymous, an address) may make; beyond it 429 `RATE_LIMITED`.',
    1,
    10_000_000,
    1_200,
  ),
  VIGIL_RATE_LIMIT_AUTH_MAX: int(
    'Requests per window one address may make to `/api/auth/*` (sign-in, refresh, logout, ...).',
    1,
    10_000_000,
    60,
  ),
  VIGIL_RATE_LIMIT_WINDOW_S: int('Length of the rate-limit window, in seconds.', 1, 86_400, 60),
  VIGIL_TIMEZONE: timeZone(
    'The time zone whose calendar date is "today" everywhere (default `asOf` of org-unit reads, the scope of grants), e.g. `Europe/Berlin`.',
    'UTC',
  ),
  VIGIL_ORG_UNIT_TYPES: list('Comma-separated org unit types, in upper case.', /^[A-Z][A-Z0-9_]{0,39}$/, [
    'ORGANIZATION',
    'REGION',
    'SITE',
    'DEPARTMENT',
    'TEAM',
  ]),
  VIGIL_ORG_MAX_DEPTH: int('Deepest level of the org tree (a root is level 1).', 1, 64, 17),
  VIGIL_CAMERA_STALL_TIMEOUT_MS: int(
    'A camera stream that stays connected without a new frame (stalled, or the same frame over and over) is treated as down after the larger of this, five frame intervals at its expected fps, and what the pace of its frames allows for (see docs/cameras.md).',
    500,
    600_000,
    1_500,
  ),
  VIGIL_CAMERA_BACKOFF_BASE_MS: int('First reconnect delay of a camera; it doubles per failure, with full jitter.', 10, 600_000, 1_000),
  VIGIL_CAMERA_BACKOFF_MAX_MS: int(
    'Longest reconnect delay of a camera after a failure that may clear at any moment (refused, reset, timed out, stalled): a source that comes back is running again within about this long.',
    100,
    3_600_000,
    8_000,
  ),
  VIGIL_CAMERA_BACKOFF_ERROR_MAX_MS: int(
    'Longest reconnect delay of a camera after a refusal that retrying will not fix soon (HTTP 401/403/404, not MJPEG, no ffmpeg, refused by the network rules).',
    100,
    3_600_000,
    60_000,
  ),
  VIGIL_CAMERA_CONNECT_RATE: int('Most camera connection attempts one process starts per second (no reconnect storms).', 1, 100_000, 50),
  VIGIL_CAMERA_CONNECT_TIMEOUT_MS: int('How long a camera may take to answer a connection.', 100, 120_000, 5_000),
  VIGIL_CAMERA_LEASE_MS: int(
    'Lease period of a camera held by a process; when a process dies, another takes its cameras within it.',
    1_000,
    600_000,
    15_000,
  ),
  VIGIL_CAMERA_LOG_RETENTION_DAYS: int('Camera log events older than this many days are deleted by a daily job.', 1, 3_650, 30),
  VIGIL_EVENT_RETENTION_DAYS: int('Detection events received longer ago than this many days are deleted by a daily job.', 1, 36_500, 90),
  VIGIL_EVENT_SNAPSHOT_RETENTION_DAYS: int(
    'Snapshots of detection events stored longer ago than this many days are deleted by the same job (the events stay).',
    1,
    36_500,
    30,
  ),
  VIGIL_ALERT_EVALUATION_INTERVAL_MS: int(
    'How often alert rules are evaluated (camera state changes and new events are evaluated when they happen too).',
    100,
    600_000,
    1_000,
  ),
  VIGIL_ALERT_RETENTION_DAYS: int(
    'Resolved alerts and sent notifications older than this many days are deleted by a daily job.',
    1,
    36_500,
    90,
  ),
  VIGIL_ALERTMANAGER_RESEND_S: int(
    'How often firing alerts are sent again to Alertmanager channels (they expire there after 4× this).',
    5,
    3_600,
    60,
  ),
  VIGIL_ALERT_RETRY_BASE_MS: int(
    'First wait before retrying a failed notification; it doubles at each attempt (with jitter).',
    10,
    3_600_000,
    1_000,
  ),
  VIGIL_ALERT_RETRY_MAX_MS: int('Longest wait between two attempts of a notification (tried for up to 24 hours).', 10, 86_400_000, 300_000),
  VIGIL_ALERT_CLAIM_LEASE_MS: int(
    'How long a process keeps a notification it is sending from the others; one that dies mid-send leaves it to be sent again after this.',
    1_000,
    3_600_000,
    60_000,
  ),
  VIGIL_ALERT_BREAKER_RESET_MS: int(
    'How long the circuit breaker of a failing notification endpoint stays open before one notification tries it again.',
    10,
    3_600_000,
    30_000,
  ),
  VIGIL_ALERT_DELIVERY_TIMEOUT_MS: int('How long a webhook or Alertmanager has to answer a notification.', 100, 120_000, 10_000),
  VIGIL_AGENT_TIMEOUT_MS: int(
    'How long a model server has to start answering a chat message, and between two parts of its answer.',
    100,
    600_000,
    60_000,
  ),
  VIGIL_AGENT_ATTEMPTS: int(
    'Attempts at a model request that fails before its first token (timeout, 429, 5xx, refused connection).',
    1,
    10,
    3,
  ),
  VIGIL_AGENT_RETRY_BASE_MS: int('First wait before trying a failed model request again; it doubles at each attempt.', 1, 60_000, 500),
  VIGIL_AGENT_BREAKER_RESET_MS: int(
    'How long the circuit breaker of a failing model server stays open before one request tries it again.',
    10,
    3_600_000,
    30_000,
  ),
  VIGIL_AGENT_MAX_TOOL_ROUNDS: int('Tool rounds one reply may take before the model must answer in words.', 0, 20, 4),
  VIGIL_CHAT_SAVE_INTERVAL_MS: int(
    'How often a reply being written is saved (its text and stream events): a crash loses at most this much.',
    50,
    10_000,
    250,
  ),
  VIGIL_CHAT_STALE_AFTER_MS: int(
    'A reply not saved for this long has lost its writer (a process that died): it is marked interrupted, keeping its text.',
    1_000,
    3_600_000,
    15_000,
  ),
  VIGIL_CHAT_HISTORY_MESSAGES: int('Earlier messages of a session sent to the model with a new one.', 0, 500, 40),
  VIGIL_SMTP_URL: url(
    'SMTP server for email channels, e.g. `smtp://mail.example:587` or `smtps://user:pass@mail.example`. Unset: email channels are refused.',
    ['smtp:', 'smtps:'],
  ),
  VIGIL_SMTP_FROM: text('Sender address of alert emails.', 'vigil@localhost'),
  VIGIL_EVENT_BODY_LIMIT_BYTES: int(
    'Largest body `POST /api/v1/events` accepts (a batch of events with snapshots); larger ones get 413.',
    1024,
    1_073_741_824,
    33_554_432,
  ),
  VIGIL_CAMERA_AUTO_START: bool('Start the active cameras that have auto-start when the service starts.', true),
  VIGIL_FFMPEG_PATH: text('The ffmpeg program that reads RTSP sources.', 'ffmpeg'),
  VIGIL_CAMERA_ALLOW_NETWORKS: networks(
    'Networks camera sources may reach although a default rule refuses them (link-local, cloud metadata, multicast, ...); the most specific rule wins, so allowing `169.254.0.0/16` leaves `169.254.169.254` refused. See docs/cameras.md.',
  ),
  VIGIL_CAMERA_DENY_NETWORKS: networks(
    'Networks camera sources may not reach, on top of the defaults; a more specific allowed network inside one is still allowed. See docs/cameras.md.',
  ),
} as const satisfies Record<string, Spec<unknown>>;

export type SettingName = keyof typeof settings;
type ValueOf<S> = S extends Spec<infer T> ? T : never;
type Flat = { [K in SettingName]: ValueOf<(typeof settings)[K]> | undefined };

export interface Config {
  mode: 'development' | 'production' | 'test';
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    trustProxy: boolean;
    shutdownGraceMs: number;
    /** Where the other processes reach this one; undefined: derived from the address it listens on. */
    advertiseUrl: string | undefined;
  };
  dataDir: string;
  database: {
    url: string | undefined;
    poolSize: number;
    statementTimeoutMs: number;
    /** Client side; greater than the statement timeout (checked at load). */
    queryTimeoutMs: number;
    connectTimeoutMs: number;
  };
  redis: { url: string | undefined; keyPrefix: string };
  log: { level: string; dir: string | undefined; keepFiles: number };
  metrics: { port: number | undefined; token: string | undefined };
  health: { timeoutMs: number };
  secretKey: string | undefined;
  web: { publicUrl: string | undefined; corsOrigins: string[] };
  audit: {
    retentionDays: number;
    /** How long a view stays recorded for its viewer and resource; 0: every view is recorded. */
    viewWindowMs: number;
  };
  events: { retentionDays: number; snapshotRetentionDays: number; bodyLimitBytes: number };
  alerts: {
    evaluationIntervalMs: number;
    retentionDays: number;
    alertmanagerResendS: number;
    retryBaseMs: number;
    retryMaxMs: number;
    claimLeaseMs: number;
    deliveryTimeoutMs: number;
    breakerResetMs: number;
    smtp: { url: string; from: string } | undefined;
  };
  agents: {
    timeoutMs: number;
    attempts: number;
    retryBaseMs: number;
    breakerResetMs: number;
    maxToolRounds: number;
    saveIntervalMs: number;
    staleAfterMs: number;
    historyMessages: number;
  };
  rateLimit: { max: number; authMax: number; windowMs: number };
  timeZone: string;
  org: { unitTypes: string[]; maxDepth: number };
  cameras: {
    stallTimeoutMs: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    backoffErrorMaxMs: number;
    connectRate: number;
    connectTimeoutMs: number;
    leaseMs: number;
    logRetentionDays: number;
    autoStart: boolean;
    ffmpegPath: string;
    /** Camera network rules: CIDR networks (or addresses) allowed and denied. */
    allowNetworks: string[];
    denyNetworks: string[];
  };
  auth: {
    adminEmail: string;
    adminPassword: string | undefined;
    accessTokenTtlS: number;
    refreshTokenTtlS: number;
    refreshIdleTtlS: number;
    refreshGraceS: number;
    issuer: string;
    audience: string;
    clockSkewS: number;
    jwtPrivateKey: string | undefined;
  };
}

export interface LoadedConfig {
  config: Config;
  values: Flat;
  sources: Record<SettingName, ConfigSource>;
  file: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

function required<T>(value: T | undefined, name: SettingName): T {
  // Every setting without a default is typed optional in Config; this guards the ones that have one.
  if (value === undefined) throw new ConfigError([`${name} is required`]);
  return value;
}

function shape(f: Flat): Config {
  return {
    mode: required(f.NODE_ENV, 'NODE_ENV'),
    http: {
      host: required(f.HOST, 'HOST'),
      port: required(f.PORT, 'PORT'),
      bodyLimitBytes: required(f.VIGIL_BODY_LIMIT_BYTES, 'VIGIL_BODY_LIMIT_BYTES'),
      trustProxy: required(f.VIGIL_TRUST_PROXY, 'VIGIL_TRUST_PROXY'),
      shutdownGraceMs: required(f.VIGIL_SHUTDOWN_GRACE_MS, 'VIGIL_SHUTDOWN_GRACE_MS'),
      advertiseUrl: f.VIGIL_ADVERTISE_URL,
    },
    dataDir: path.resolve(required(f.DATA_DIR, 'DATA_DIR')),
    database: {
      url: f.DATABASE_URL,
      poolSize: required(f.VIGIL_DB_POOL_SIZE, 'VIGIL_DB_POOL_SIZE'),
      statementTimeoutMs: required(f.VIGIL_DB_STATEMENT_TIMEOUT_MS, 'VIGIL_DB_STATEMENT_TIMEOUT_MS'),
      queryTimeoutMs: f.VIGIL_DB_QUERY_TIMEOUT_MS ?? required(f.VIGIL_DB_STATEMENT_TIMEOUT_MS, 'VIGIL_DB_STATEMENT_TIMEOUT_MS') + 1_000,
      connectTimeoutMs: required(f.VIGIL_DB_CONNECT_TIMEOUT_MS, 'VIGIL_DB_CONNECT_TIMEOUT_MS'),
    },
    redis: { url: f.REDIS_URL, keyPrefix: required(f.VIGIL_REDIS_KEY_PREFIX, 'VIGIL_REDIS_KEY_PREFIX') },
    log: {
      level: required(f.LOG_LEVEL, 'LOG_LEVEL'),
      dir: f.LOG_DIR === undefined ? undefined : path.resolve(f.LOG_DIR),
      keepFiles: required(f.VIGIL_LOG_KEEP_FILES, 'VIGIL_LOG_KEEP_FILES'),
    },
    metrics: { port: f.METRICS_PORT, token: f.METRICS_TOKEN },
    health: { timeoutMs: required(f.VIGIL_HEALTH_TIMEOUT_MS, 'VIGIL_HEALTH_TIMEOUT_MS') },
    secretKey: f.VIGIL_SECRET_KEY,
    web: {
      publicUrl: f.VIGIL_PUBLIC_URL,
      corsOrigins: (f.VIGIL_CORS_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    },
    audit: {
      retentionDays: required(f.VIGIL_AUDIT_RETENTION_DAYS, 'VIGIL_AUDIT_RETENTION_DAYS'),
      viewWindowMs: required(f.VIGIL_AUDIT_VIEW_WINDOW_S, 'VIGIL_AUDIT_VIEW_WINDOW_S') * 1000,
    },
    alerts: {
      evaluationIntervalMs: required(f.VIGIL_ALERT_EVALUATION_INTERVAL_MS, 'VIGIL_ALERT_EVALUATION_INTERVAL_MS'),
      retentionDays: required(f.VIGIL_ALERT_RETENTION_DAYS, 'VIGIL_ALERT_RETENTION_DAYS'),
      alertmanagerResendS: required(f.VIGIL_ALERTMANAGER_RESEND_S, 'VIGIL_ALERTMANAGER_RESEND_S'),
      retryBaseMs: required(f.VIGIL_ALERT_RETRY_BASE_MS, 'VIGIL_ALERT_RETRY_BASE_MS'),
      retryMaxMs: required(f.VIGIL_ALERT_RETRY_MAX_MS, 'VIGIL_ALERT_RETRY_MAX_MS'),
      claimLeaseMs: required(f.VIGIL_ALERT_CLAIM_LEASE_MS, 'VIGIL_ALERT_CLAIM_LEASE_MS'),
      deliveryTimeoutMs: required(f.VIGIL_ALERT_DELIVERY_TIMEOUT_MS, 'VIGIL_ALERT_DELIVERY_TIMEOUT_MS'),
      breakerResetMs: required(f.VIGIL_ALERT_BREAKER_RESET_MS, 'VIGIL_ALERT_BREAKER_RESET_MS'),
      smtp: f.VIGIL_SMTP_URL ? { url: f.VIGIL_SMTP_URL, from: required(f.VIGIL_SMTP_FROM, 'VIGIL_SMTP_FROM') } : undefined,
    },
    agents: {
      timeoutMs: required(f.VIGIL_AGENT_TIMEOUT_MS, 'VIGIL_AGENT_TIMEOUT_MS'),
      attempts: required(f.VIGIL_AGENT_ATTEMPTS, 'VIGIL_AGENT_ATTEMPTS'),
      retryBaseMs: required(f.VIGIL_AGENT_RETRY_BASE_MS, 'VIGIL_AGENT_RETRY_BASE_MS'),
      breakerResetMs: required(f.VIGIL_AGENT_BREAKER_RESET_MS, 'VIGIL_AGENT_BREAKER_RESET_MS'),
      maxToolRounds: required(f.VIGIL_AGENT_MAX_TOOL_ROUNDS, 'VIGIL_AGENT_MAX_TOOL_ROUNDS'),
      saveIntervalMs: required(f.VIGIL_CHAT_SAVE_INTERVAL_MS, 'VIGIL_CHAT_SAVE_INTERVAL_MS'),
      staleAfterMs: required(f.VIGIL_CHAT_STALE_AFTER_MS, 'VIGIL_CHAT_STALE_AFTER_MS'),
      historyMessages: required(f.VIGIL_CHAT_HISTORY_MESSAGES, 'VIGIL_CHAT_HISTORY_MESSAGES'),
    },
    events: {
      retentionDays: required(f.VIGIL_EVENT_RETENTION_DAYS, 'VIGIL_EVENT_RETENTION_DAYS'),
      snapshotRetentionDays: required(f.VIGIL_EVENT_SNAPSHOT_RETENTION_DAYS, 'VIGIL_EVENT_SNAPSHOT_RETENTION_DAYS'),
      bodyLimitBytes: required(f.VIGIL_EVENT_BODY_LIMIT_BYTES, 'VIGIL_EVENT_BODY_LIMIT_BYTES'),
    },
    timeZone: required(f.VIGIL_TIMEZONE, 'VIGIL_TIMEZONE'),
    org: {
      unitTypes: required(f.VIGIL_ORG_UNIT_TYPES, 'VIGIL_ORG_UNIT_TYPES'),
      maxDepth: required(f.VIGIL_ORG_MAX_DEPTH, 'VIGIL_ORG_MAX_DEPTH'),
    },
    cameras: {
      stallTimeoutMs: required(f.VIGIL_CAMERA_STALL_TIMEOUT_MS, 'VIGIL_CAMERA_STALL_TIMEOUT_MS'),
      backoffBaseMs: required(f.VIGIL_CAMERA_BACKOFF_BASE_MS, 'VIGIL_CAMERA_BACKOFF_BASE_MS'),
      backoffMaxMs: required(f.VIGIL_CAMERA_BACKOFF_MAX_MS, 'VIGIL_CAMERA_BACKOFF_MAX_MS'),
      backoffErrorMaxMs: required(f.VIGIL_CAMERA_BACKOFF_ERROR_MAX_MS, 'VIGIL_CAMERA_BACKOFF_ERROR_MAX_MS'),
      connectRate: required(f.VIGIL_CAMERA_CONNECT_RATE, 'VIGIL_CAMERA_CONNECT_RATE'),
      connectTimeoutMs: required(f.VIGIL_CAMERA_CONNECT_TIMEOUT_MS, 'VIGIL_CAMERA_CONNECT_TIMEOUT_MS'),
      leaseMs: required(f.VIGIL_CAMERA_LEASE_MS, 'VIGIL_CAMERA_LEASE_MS'),
      logRetentionDays: required(f.VIGIL_CAMERA_LOG_RETENTION_DAYS, 'VIGIL_CAMERA_LOG_RETENTION_DAYS'),
      autoStart: required(f.VIGIL_CAMERA_AUTO_START, 'VIGIL_CAMERA_AUTO_START'),
      ffmpegPath: required(f.VIGIL_FFMPEG_PATH, 'VIGIL_FFMPEG_PATH'),
      allowNetworks: required(f.VIGIL_CAMERA_ALLOW_NETWORKS, 'VIGIL_CAMERA_ALLOW_NETWORKS'),
      denyNetworks: required(f.VIGIL_CAMERA_DENY_NETWORKS, 'VIGIL_CAMERA_DENY_NETWORKS'),
    },
    rateLimit: {
      max: required(f.VIGIL_RATE_LIMIT_MAX, 'VIGIL_RATE_LIMIT_MAX'),
      authMax: required(f.VIGIL_RATE_LIMIT_AUTH_MAX, 'VIGIL_RATE_LIMIT_AUTH_MAX'),
      windowMs: required(f.VIGIL_RATE_LIMIT_WINDOW_S, 'VIGIL_RATE_LIMIT_WINDOW_S') * 1000,
    },
    auth: {
      adminEmail: required(f.VIGIL_ADMIN_EMAIL, 'VIGIL_ADMIN_EMAIL'),
      adminPassword: f.VIGIL_ADMIN_PASSWORD,
      accessTokenTtlS: required(f.VIGIL_ACCESS_TOKEN_TTL_S, 'VIGIL_ACCESS_TOKEN_TTL_S'),
      refreshTokenTtlS: required(f.VIGIL_REFRESH_TOKEN_TTL_S, 'VIGIL_REFRESH_TOKEN_TTL_S'),
      refreshIdleTtlS: required(f.VIGIL_REFRESH_IDLE_TTL_S, 'VIGIL_REFRESH_IDLE_TTL_S'),
      refreshGraceS: required(f.VIGIL_REFRESH_GRACE_S, 'VIGIL_REFRESH_GRACE_S'),
      issuer: required(f.VIGIL_JWT_ISSUER, 'VIGIL_JWT_ISSUER'),
      audience: required(f.VIGIL_JWT_AUDIENCE, 'VIGIL_JWT_AUDIENCE'),
      clockSkewS: required(f.VIGIL_JWT_CLOCK_SKEW_S, 'VIGIL_JWT_CLOCK_SKEW_S'),
      jwtPrivateKey: f.VIGIL_JWT_PRIVATE_KEY,
    },
  };
}

function readFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`VIGIL_CONFIG must name a readable JSON file, got "${file}" (${(error as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`VIGIL_CONFIG must name a JSON file holding an object, got "${file}"`]);
  }
  return parsed as Record<string, unknown>;
}

function quote(raw: unknown): string {
  return typeof raw === 'string' ? JSON.stringify(raw) : String(JSON.stringify(raw));
}

/**
 * Reads the configuration. Every problem is collected so that one start-up shows them all;
 * throws ConfigError with one line per problem.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<SettingName, unknown>> = {}): LoadedConfig {
  const file = env.VIGIL_CONFIG === '' ? undefined : env.VIGIL_CONFIG;
  const fromFile = file === undefined ? {} : readFile(file);
  const problems: string[] = [];
  for (const key of Object.keys(fromFile)) {
    if (!(key in settings)) problems.push(`${key} in ${file} is not a known setting`);
  }

  const values = {} as Record<SettingName, unknown>;
  const sources = {} as Record<SettingName, ConfigSource>;
  for (const name of Object.keys(settings) as SettingName[]) {
    const spec: Spec<unknown> = settings[name];
    let raw: unknown;
    let source: ConfigSource = 'default';
    if (name in overrides) [raw, source] = [overrides[name], 'env'];
    else if (env[name] !== undefined) [raw, source] = [env[name], 'env'];
    else if (name in fromFile) [raw, source] = [fromFile[name], 'file'];

    if (source === 'default') {
      values[name] = spec.defaultValue;
    } else {
      try {
        values[name] = spec.parse(raw) ?? spec.defaultValue;
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        const shown = spec.secret === 'value' ? '"********"' : quote(raw);
        problems.push(`${name} must be ${spec.expected}, got ${shown}${source === 'file' ? ` (in ${file})` : ''}`);
      }
    }
    sources[name] = source;
  }
  // The first admin's password meets the policy every user's does; refused here, before any
  // database work, rather than after the migrations when the admin is created.
  const adminPassword = values.VIGIL_ADMIN_PASSWORD;
  if (typeof adminPassword === 'string') {
    const email = typeof values.VIGIL_ADMIN_EMAIL === 'string' ? values.VIGIL_ADMIN_EMAIL.trim() : undefined;
    const violation = checkPassword(adminPassword, email);
    const where = sources.VIGIL_ADMIN_PASSWORD === 'file' ? ` (in ${file})` : '';
    if (violation) problems.push(`VIGIL_ADMIN_PASSWORD breaks the password policy: ${violation.message}${where}`);
  }
  const flat = values as Flat;
  if (problems.length === 0) problems.push(...crossChecks(flat));
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: shape(flat), values: flat, sources, file };
}

/** Rules between settings, once each is valid on its own. */
function crossChecks(f: Flat): string[] {
  const problems: string[] = [];
  const statement = f.VIGIL_DB_STATEMENT_TIMEOUT_MS;
  const query = f.VIGIL_DB_QUERY_TIMEOUT_MS;
  if (query !== undefined && statement !== undefined && query <= statement) {
    problems.push(
      `VIGIL_DB_QUERY_TIMEOUT_MS must be greater than VIGIL_DB_STATEMENT_TIMEOUT_MS (${statement}), got ${query}: the server must cancel a slow statement before Vigil gives up waiting`,
    );
  }
  return problems;
}

/** A value as it may be shown to a person: secrets masked, URL passwords hidden. */
export function displayValue(name: SettingName, value: unknown): string {
  if (value === undefined) return '(unset)';
  const spec: Spec<unknown> = settings[name];
  if (spec.secret === 'value') return '********';
  if (spec.secret === 'url' && typeof value === 'string') return maskUrl(value);
  return show(value);
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function maskUrl(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = '********';
    return parsed.toString();
  } catch {
    return '********';
  }
}

/** The README's configuration table, generated from the settings above (a test keeps them in step). */
export function configurationTable(): string {
  const rows = (Object.keys(settings) as SettingName[]).map((name) => {
    const spec: Spec<unknown> = settings[name];
    const none = spec.defaultValue === undefined || (Array.isArray(spec.defaultValue) && spec.defaultValue.length === 0);
    const def = none ? '(unset)' : `\`${show(spec.defaultValue)}\``;
    return `| \`${name}\` | ${def} | ${spec.expected} | ${spec.description} |`;
  });
  return ['| Variable | Default | Form | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}
