// pino-roll ships no types; this is the part of its API Vigil uses (see its README).
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';

  interface RollOptions {
    file: string;
    extension?: string;
    frequency?: 'daily' | 'hourly' | number;
    dateFormat?: string;
    size?: string | number;
    mkdir?: boolean;
    limit?: { count: number };
  }

  export default function roll(options: RollOptions): Promise<DestinationStream>;
}
