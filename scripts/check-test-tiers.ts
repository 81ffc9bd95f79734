// Every test file belongs to exactly one test tier (the vitest projects in vitest.config.ts), and
// its helpers fit the tier: no Vigil and no database in `unit`, spawned processes only in
// `process`. Asks vitest itself which project each file falls in, so the globs are judged as vitest
// reads them. Run by `npm run check`; exits 1 with one line per problem.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { packageRoot } from '../src/platform/paths.js';

const tiers = ['unit', 'db', 'api', 'process', 'browser'] as const;
type Tier = (typeof tiers)[number];

/** A helper imported by a test file, and the tiers that may import it. */
const helperRules: { pattern: RegExp; what: string; allowed: Tier[] }[] = [
  { pattern: /from '[./]*(test\/)?helpers\/process\.js'/, what: 'spawns vigil (test/helpers/process.ts)', allowed: ['process', 'browser'] },
  { pattern: /from '[./]*(test\/)?helpers\/browser\.js'/, what: 'drives chromium (test/helpers/browser.ts)', allowed: ['browser'] },
  { pattern: /from '[./]*(test\/)?helpers\/app\.js'/, what: 'starts Vigil (test/helpers/app.ts)', allowed: ['api', 'process'] },
  { pattern: /from '[./]*(test\/)?helpers\/databases\.js'/, what: 'opens a test database', allowed: ['db', 'api', 'process', 'browser'] },
];

function testFiles(dir: string): string[] {
  return readdirSync(path.join(packageRoot, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => path.relative(packageRoot, path.join(entry.parentPath, entry.name)));
}

function projectsByFile(): Map<string, string[]> {
  const vitest = createRequire(import.meta.url).resolve('vitest/vitest.mjs');
  const listed = spawnSync(process.execPath, [vitest, 'list', '--filesOnly', '--json'], { cwd: packageRoot, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`vitest list failed (${listed.status}):\n${listed.stderr}`);
  const entries = JSON.parse(listed.stdout.slice(listed.stdout.indexOf('['))) as { file: string; projectName: string }[];
  const byFile = new Map<string, string[]>();
  for (const { file, projectName } of entries) {
    const relative = path.relative(packageRoot, file);
    byFile.set(relative, [...(byFile.get(relative) ?? []), projectName]);
  }
  return byFile;
}

const problems: string[] = [];
const byFile = projectsByFile();
for (const file of [...testFiles('src'), ...testFiles('test'), ...testFiles('bench')].sort()) {
  const projects = byFile.get(file) ?? [];
  if (projects.length !== 1) {
    problems.push(`${file}: in ${projects.length === 0 ? 'no test tier' : `${projects.length} tiers (${projects.join(', ')})`}`);
    continue;
  }
  const tier = projects[0] as Tier;
  const source = readFileSync(path.join(packageRoot, file), 'utf8');
  for (const rule of helperRules) {
    if (rule.pattern.test(source) && !rule.allowed.includes(tier)) {
      problems.push(`${file}: ${rule.what}, so it belongs in ${rule.allowed.join(' or ')}, not ${tier}`);
    }
  }
}
for (const file of byFile.keys())
  if (!file.endsWith('.test.ts')) problems.push(`${file}: a test tier runs it but it is not named *.test.ts`);

if (problems.length > 0) {
  console.error(`test tiers (vitest.config.ts): ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`test tiers: ${byFile.size} files, each in exactly one of ${tiers.join(', ')}`);
