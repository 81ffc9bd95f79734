// Latency histogram with 10 µs buckets. autocannon's own histogram has 1 ms resolution, which
// is too coarse for loopback latencies of one or two milliseconds.

const BUCKET_MS = 0.01;
const BUCKETS = 100_000; // 10 µs × 100 000 = 1 s; slower responses are kept exactly in `slow`

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private readonly slow: number[] = [];
  private total = 0;

  get count(): number {
    return this.total;
  }

  record(ms: number): void {
    const bucket = Math.floor(ms / BUCKET_MS);
    if (bucket < BUCKETS) this.counts[bucket]!++;
    else this.slow.push(ms);
    this.total++;
  }

  add(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.slow.push(...other.slow);
    this.total += other.total;
  }

  /** The latency (ms, upper edge of its bucket) below which `p` percent of responses fall. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return (i + 1) * BUCKET_MS;
    }
    const sorted = [...this.slow].sort((a, b) => a - b);
    return sorted[rank - seen - 1] ?? sorted[sorted.length - 1] ?? 0;
  }
}
