// The embedded database is one process's: a second process on the same directory would corrupt it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from './processes.js';

/** Takes DIR/vigil.pid for this process; throws if a live process holds it. Returns the release. */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'vigil.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o644 });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessAlive(holder)) {
        throw new Error(
          `another Vigil process (pid ${holder}) is using the embedded database in ${dir}; stop it or set DATA_DIR elsewhere`,
        );
      }
      rmSync(file, { force: true }); // left by a process that died
    }
  }
  throw new Error(`could not lock ${file}`);
}
