import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, displayValue, loadConfig } from './config.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function configFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'vigil-config-')), 'vigil.json');
  writeFileSync(file, content);
  return file;
}

describe('loadConfig', () => {
  it('uses the defaults when nothing is set: 127.0.0.1:8080, PGlite under ./data, in-process kv', () => {
    const { config, sources } = loadConfig({});
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.database.url).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(sources.PORT).toBe('default');
  });

  it('names the variable, the expected form and the value given', () => {
    expect(problemsOf(() => loadConfig({ PORT: 'abc' }))).toEqual(['PORT must be an integer 0-65535, got "abc"']);
  });

  it('reports every problem at once, one line each', () => {
    const problems = problemsOf(() =>
      loadConfig({ PORT: '70000', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', VIGIL_TRUST_PROXY: 'maybe' }),
    );
    expect(problems).toEqual([
      'PORT must be an integer 0-65535, got "70000"',
      'DATABASE_URL must be a URL starting with postgres:// or postgresql://, got "mysql://x"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'VIGIL_TRUST_PROXY must be true or false, got "maybe"',
    ]);
  });

  it('rejects fractional and padded-garbage integers', () => {
    expect(problemsOf(() => loadConfig({ VIGIL_DB_POOL_SIZE: '2.5' }))).toHaveLength(1);
    expect(problemsOf(() => loadConfig({ VIGIL_DB_POOL_SIZE: '10abc' }))).toHaveLength(1);
  });

  it('layers defaults, then the file, then the environment, and says where each value came from', () => {
    const file = configFile(JSON.stringify({ PORT: 9000, LOG_LEVEL: 'warn' }));
    const { config, sources } = loadConfig({ VIGIL_CONFIG: file, LOG_LEVEL: 'debug' });
    expect(config.http.port).toBe(9000);
    expect(sources.PORT).toBe('file');
    expect(config.log.level).toBe('debug');
    expect(sources.LOG_LEVEL).toBe('env');
    expect(sources.HOST).toBe('default');
  });

  it('rejects unknown keys and bad values in the file, naming the file', () => {
    const file = configFile(JSON.stringify({ PORTT: 1, PORT: 'x' }));
    expect(problemsOf(() => loadConfig({ VIGIL_CONFIG: file }))).toEqual([
      `PORTT in ${file} is not a known setting`,
      `PORT must be an integer 0-65535, got "x" (in ${file})`,
    ]);
  });

  it('refuses a file that is not a JSON object', () => {
    expect(problemsOf(() => loadConfig({ VIGIL_CONFIG: configFile('[1,2]') }))[0]).toMatch(
      /^VIGIL_CONFIG must name a JSON file holding an object/,
    );
    expect(problemsOf(() => loadConfig({ VIGIL_CONFIG: configFile('{nope') }))[0]).toMatch(/^VIGIL_CONFIG must name a readable JSON file/);
    expect(problemsOf(() => loadConfig({ VIGIL_CONFIG: '/does/not/exist.json' }))[0]).toMatch(
      /^VIGIL_CONFIG must name a readable JSON file/,
    );
  });

  it('bounds a silent database by a few seconds: the query timeout follows the statement timeout, and must exceed it', () => {
    expect(loadConfig({}).config.database).toMatchObject({ statementTimeoutMs: 5_000, queryTimeoutMs: 6_000, connectTimeoutMs: 3_000 });
    expect(loadConfig({ VIGIL_DB_STATEMENT_TIMEOUT_MS: '60000' }).config.database.queryTimeoutMs).toBe(61_000);
    expect(loadConfig({ VIGIL_DB_QUERY_TIMEOUT_MS: '9000' }).config.database.queryTimeoutMs).toBe(9_000);
    expect(problemsOf(() => loadConfig({ VIGIL_DB_QUERY_TIMEOUT_MS: '5000' }))).toEqual([
      'VIGIL_DB_QUERY_TIMEOUT_MS must be greater than VIGIL_DB_STATEMENT_TIMEOUT_MS (5000), got 5000: the server must cancel a slow statement before Vigil gives up waiting',
    ]);
  });

  it('treats an empty variable as unset', () => {
    const { config } = loadConfig({ DATABASE_URL: '', LOG_DIR: '' });
    expect(config.database.url).toBeUndefined();
    expect(config.log.dir).toBeUndefined();
  });

  it('refuses a VIGIL_ADMIN_PASSWORD that breaks the password policy, naming it, never echoing it', () => {
    expect(problemsOf(() => loadConfig({ VIGIL_ADMIN_PASSWORD: 'short-pass' }))).toEqual([
      'VIGIL_ADMIN_PASSWORD breaks the password policy: the password must have at least 12 characters',
    ]);
    expect(problemsOf(() => loadConfig({ VIGIL_ADMIN_PASSWORD: 'Password1234' }))).toEqual([
      'VIGIL_ADMIN_PASSWORD breaks the password policy: the password is too common; choose another',
    ]);
    // Checked against the first admin's email, as the policy does for every user.
    const withEmail = { VIGIL_ADMIN_EMAIL: 'harbourmaster@example.com', VIGIL_ADMIN_PASSWORD: 'harbourmaster-lantern-42' };
    expect(problemsOf(() => loadConfig(withEmail))).toEqual([
      'VIGIL_ADMIN_PASSWORD breaks the password policy: the password must not contain the email name',
    ]);
    // From the file too, saying where.
    const file = configFile(JSON.stringify({ VIGIL_ADMIN_PASSWORD: 'short-pass' }));
    const problems = problemsOf(() => loadConfig({ VIGIL_CONFIG: file }));
    expect(problems).toEqual([
      `VIGIL_ADMIN_PASSWORD breaks the password policy: the password must have at least 12 characters (in ${file})`,
    ]);
    expect(problems.join('\n')).not.toContain('short-pass');
    expect(loadConfig({ VIGIL_ADMIN_PASSWORD: 'quiet-harbour-lantern-42' }).config.auth.adminPassword).toBe('quiet-harbour-lantern-42');
  });

  it('reads the camera network settings as CIDR lists, and refuses at start-up anything that is not a network', () => {
    expect(loadConfig({}).config.cameras).toMatchObject({ allowNetworks: [], denyNetworks: [] });
    const { config } = loadConfig({ VIGIL_CAMERA_DENY_NETWORKS: ' 10.0.0.0/8, fd00::/8,192.168.1.7 ', VIGIL_CAMERA_ALLOW_NETWORKS: '' });
    expect(config.cameras.denyNetworks).toEqual(['10.0.0.0/8', 'fd00::/8', '192.168.1.7']);
    expect(config.cameras.allowNetworks).toEqual([]);
    const file = configFile(JSON.stringify({ VIGIL_CAMERA_ALLOW_NETWORKS: ['169.254.0.0/16', '10.20.0.0/16'] }));
    expect(loadConfig({ VIGIL_CONFIG: file }).config.cameras.allowNetworks).toEqual(['169.254.0.0/16', '10.20.0.0/16']);
    const problems = problemsOf(() => loadConfig({ VIGIL_CAMERA_DENY_NETWORKS: '10.0.0.1/8', VIGIL_CAMERA_ALLOW_NETWORKS: 'cams.local' }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^VIGIL_CAMERA_ALLOW_NETWORKS must be a comma-separated list of networks in CIDR form .*, got "cams.local"$/,
    );
    expect(problems[1]).toMatch(/^VIGIL_CAMERA_DENY_NETWORKS must be .*, got "10.0.0.1\/8"$/);
  });

  it('audits a view once per 10 minutes by default, in seconds from the environment, every view with 0', () => {
    expect(loadConfig({}).config.audit.viewWindowMs).toBe(600_000);
    expect(loadConfig({ VIGIL_AUDIT_VIEW_WINDOW_S: '30' }).config.audit.viewWindowMs).toBe(30_000);
    expect(loadConfig({ VIGIL_AUDIT_VIEW_WINDOW_S: '0' }).config.audit.viewWindowMs).toBe(0);
    expect(problemsOf(() => loadConfig({ VIGIL_AUDIT_VIEW_WINDOW_S: '-1' }))).toEqual([
      'VIGIL_AUDIT_VIEW_WINDOW_S must be an integer 0-86400, got "-1"',
    ]);
    expect(problemsOf(() => loadConfig({ VIGIL_AUDIT_VIEW_WINDOW_S: '10m' }))).toHaveLength(1);
  });

  it('never echoes a secret in a problem line', () => {
    const file = configFile(JSON.stringify({ METRICS_TOKEN: { nested: 'hunter2' } }));
    const problems = problemsOf(() => loadConfig({ VIGIL_CONFIG: file }));
    expect(problems.join('\n')).not.toContain('hunter2');
  });
});

describe('displayValue', () => {
  it('masks secrets and URL passwords but keeps the rest readable', () => {
    expect(displayValue('METRICS_TOKEN', 's3cr3t')).toBe('********');
    expect(displayValue('DATABASE_URL', 'postgres://vigil:pa55@db:5432/vigil')).toBe('postgres://vigil:********@db:5432/vigil');
    expect(displayValue('REDIS_URL', 'redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(displayValue('LOG_DIR', undefined)).toBe('(unset)');
  });
});
