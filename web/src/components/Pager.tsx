/** "Load more" for a cursor-paginated list. */
export function Pager({ hasMore, loading, onMore }: { hasMore: boolean; loading: boolean; onMore: () => void }) {
  if (!hasMore) return null;
  return (
    <div className="pager">
      <button type="button" className="button secondary" disabled={loading} onClick={onMore}>
        {loading ? 'Loading…' : 'Load more'}
      </button>
    </div>
  );
}
