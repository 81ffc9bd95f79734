// Messages between the cameras benchmark and its children (bench/cameras/child.ts): Vigil, the
// camera simulator, or the ingest alone (the camera supervisor and its workers, without the rest of Vigil).

/** A process's resource use, as one child reports it. */
export interface ProcessUsage {
  /** CPU time (user + system, µs) the process has used so far. */
  cpuMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Memory of Buffers and other C++ objects bound to JS objects (frames are Buffers). */
  externalBytes: number;
  /** Whether a full garbage collection ran just before these figures (the child runs with --expose-gc). */
  afterGc: boolean;
  /** Event-loop delay since the previous report that asked for a reset (ms). */
  loopDelayMs: { p50: number; p99: number; max: number };
}

/** The simulator's counters, summed over its cameras (the per-camera list stays in the child). */
export interface SimulatorTotals {
  attempts: number;
  refused: number;
  framesSent: number;
  framesSkipped: number;
  openStreams: number;
  connections: number;
}

export type CameraChildRequest =
  /** `gc`: run a full garbage collection first, when the child can (figures of live memory). */
  | { type: 'usage'; id: number; resetLoopDelay: boolean; gc?: boolean }
  | { type: 'stats'; id: number }
  /** Start recording (time ms, attempts) every `intervalMs` (simulator only). */
  | { type: 'sample'; id: number; intervalMs: number }
  /** Stop recording and answer the samples (simulator only). */
  | { type: 'samples'; id: number }
  /** Sizes of the database and of the camera tables, in bytes (Vigil only). */
  | { type: 'db'; id: number }
  /** Ingest only: run simulator cameras 1..`cameras` of `simUrl` (adding to those running); answers once all run or after `timeoutMs`. */
  | { type: 'ingest'; id: number; simUrl: string; cameras: number; timeoutMs: number }
  /** Ingest only: new frames so far, and cameras running. */
  | { type: 'frames'; id: number };

export type CameraChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'failed'; message: string }
  | { type: 'usage'; id: number; usage: ProcessUsage }
  | { type: 'stats'; id: number; stats: SimulatorTotals }
  | { type: 'sampling'; id: number }
  | { type: 'samples'; id: number; samples: [number, number][] }
  | { type: 'db'; id: number; sizes: DatabaseSizes }
  | { type: 'ingest'; id: number; running: number }
  | { type: 'frames'; id: number; frames: number; running: number; stalls: number };

/** pg_database_size and pg_total_relation_size of the tables the camera runtime writes to. */
export interface DatabaseSizes {
  database: number;
  cameras: number;
  camera_runtime: number;
  camera_leases: number;
  camera_events: number;
  audit_events: number;
}
