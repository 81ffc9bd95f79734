// Sums a .cpuprofile (node --cpu-prof) by function and by module: self time, top N of each.
//   npx tsx bench/profile-top.ts <file.cpuprofile> [N]
// A module is the file a function lives in, shortened to what follows node_modules/ (a package) or
// the repository (src/...); (program), (garbage collector) and (idle) stay as V8 names them.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function moduleOf(url: string): string {
  if (url === '') return '(native)';
  const packaged = url.split('node_modules/').at(-1)!;
  if (packaged !== url) {
    const parts = packaged.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:')) return url;
  const repo = url.match(/\/(src|bench)\/.*$/);
  return repo ? repo[0].slice(1) : url;
}

export function summarize(profile: Profile, n: number) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    total += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const module = moduleOf(url);
    const fn = `${functionName || '(anonymous)'}${url ? ` ${module}:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    // Native frames ((program), (garbage collector), writev, ...) are their own module.
    const key = module === '(native)' ? fn : module;
    byModule.set(key, (byModule.get(key) ?? 0) + micros);
  });
  const top = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => ({ name, ms: Math.round(micros / 1000), share: micros / total }));
  return { totalMs: Math.round(total / 1000), functions: top(byFunction), modules: top(byModule) };
}

if (process.argv[1]?.endsWith('profile-top.ts')) {
  const [file, n = '25'] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/profile-top.ts <file.cpuprofile> [N]');
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(n));
  const print = (title: string, rows: typeof summary.functions) => {
    process.stdout.write(`${title}\n`);
    for (const r of rows) process.stdout.write(`  ${(r.share * 100).toFixed(1).padStart(5)}%  ${String(r.ms).padStart(7)} ms  ${r.name}\n`);
  };
  process.stdout.write(`${file}: ${summary.totalMs} ms sampled\n`);
  print('self time by module', summary.modules);
  print('self time by function', summary.functions);
}
