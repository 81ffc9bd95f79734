// The commands that need no database: usage, version, configuration. The ones that open the
// embedded database (migrate, users, apikeys, keys) are in cli.db.test.ts.
import { describe, expect, it } from 'vitest';
import { FAULT_MODES } from '../tools/camera-sim/simulator.js';
import { commands } from './commands.js';
import { runCli } from './main.js';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('vigil', () => {
  it('lists its commands', async () => {
    const { code, out } = await cli([]);
    expect(code).toBe(0);
    for (const name of ['serve', 'migrate', 'config', 'version', 'help']) expect(out).toMatch(new RegExp(`^  ${name}\\s`, 'm'));
  });

  it.each(commands.map((c) => c.name))('%s --help prints its usage and exits 0', async (name) => {
    const { code, out } = await cli([name, '--help']);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^usage: vigil ${name}`));
    expect((await cli(['help', name])).out).toBe(out);
  });

  it('refuses an unknown command with exit 2', async () => {
    const { code, err } = await cli(['fly']);
    expect(code).toBe(2);
    expect(err).toContain('unknown command "fly"');
  });

  it('refuses an unknown option with exit 2 and the usage', async () => {
    const { code, err } = await cli(['config', '--yaml']);
    expect(code).toBe(2);
    expect(err).toContain('usage: vigil config');
  });

  it('prints the version', async () => {
    expect((await cli(['version'])).out).toMatch(/^vigil \d+\.\d+\.\d+ \(node v\d+/);
    expect((await cli(['--version'])).out).toBe((await cli(['version'])).out);
  });

  it("names every fault mode of the simulator in camera-sim's help", async () => {
    const { out } = await cli(['camera-sim', '--help']);
    const listed = /M one of ([^:]+):/.exec(out)?.[1]?.split(', ');
    expect(listed).toEqual([...FAULT_MODES]);
    for (const mode of FAULT_MODES) expect(out).toMatch(new RegExp(`^  (\\S+, )?${mode}\\b`, 'm'));
  });
});

describe('vigil config', () => {
  it('prints every setting with its source and masks secrets', async () => {
    const { code, out } = await cli(['config'], {
      PORT: '9090',
      DATABASE_URL: 'postgres://vigil:pa55word@db.internal:5432/vigil',
      METRICS_TOKEN: 'scrape-me-123',
    });
    expect(code).toBe(0);
    expect(out).toMatch(/^PORT\s+9090\s+\(env\)$/m);
    expect(out).toMatch(/^HOST\s+127\.0\.0\.1\s+\(default\)$/m);
    expect(out).toContain('postgres://vigil:********@db.internal:5432/vigil');
    expect(out).toMatch(/^METRICS_TOKEN\s+\*{8}\s+\(env\)$/m);
    expect(out).not.toContain('pa55word');
    expect(out).not.toContain('scrape-me-123');
  });

  it('prints JSON with --json', async () => {
    const { out } = await cli(['config', '--json'], { PORT: '9090' });
    const parsed = JSON.parse(out) as { settings: { name: string; value: string; source: string }[] };
    expect(parsed.settings.find((s) => s.name === 'PORT')).toEqual({ name: 'PORT', value: '9090', source: 'env' });
  });

  it('exits 1 with one line per problem', async () => {
    const { code, err } = await cli(['config'], { PORT: 'abc', VIGIL_DB_POOL_SIZE: '0' });
    expect(code).toBe(1);
    expect(err.split('\n')).toEqual([
      'vigil: invalid configuration',
      '  PORT must be an integer 0-65535, got "abc"',
      '  VIGIL_DB_POOL_SIZE must be an integer 1-1000, got "0"',
    ]);
  });
});
