// The camera wall's route prefetch: the wall's cameras and their states, asked for while the page's
// code loads (see `prefetchWall`). In a chunk of its own, shared with the wall's page.
import { prefetchWall } from '../api/cameras';
import { queryClient } from '../queryClient';
import { listQuery, parseWallFilter } from './filters';

export function prefetchWallFor(url: string): void {
  prefetchWall(queryClient, listQuery(parseWallFilter(new URL(url).searchParams).filter)).catch(() => undefined);
}
