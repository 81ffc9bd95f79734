import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './platform/paths.js';

const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { name: string; version: string };

export const SERVICE_NAME = pkg.name;
export const VERSION = pkg.version;
