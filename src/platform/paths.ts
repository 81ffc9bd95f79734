import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** The folder holding package.json, whether running from src/ (tsx, vitest) or dist/. */
export const packageRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
export const migrationsDir = path.join(packageRoot, 'migrations');
