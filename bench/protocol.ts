// Messages between run.ts and a server child, over the IPC channel node sets up with 'ipc' stdio.
import type { RequestSpec } from './targets.js';

export type ChildMessage =
  | { type: 'ready'; url: string; request: RequestSpec }
  | { type: 'usage'; cpuMicros: number; rssBytes: number }
  | { type: 'failed'; message: string };

export type ParentMessage = { type: 'usage' };
