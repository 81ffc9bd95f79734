import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { get } from '../api/client';
import { connection } from '../api/connection';

/**
 * Shows when Vigil cannot be reached, probes until it answers again, then refreshes what the page
 * shows and says so for a few seconds.
 */
export function ConnectionBanner() {
  const client = useQueryClient();
  const [online, setOnline] = useState(connection.isOnline());
  const [recovered, setRecovered] = useState(false);

  useEffect(
    () =>
      connection.subscribe((next) => {
        setOnline(next);
        if (next) {
          setRecovered(true);
          void client.invalidateQueries();
        }
      }),
    [client],
  );
  useEffect(() => {
    if (online) return;
    const probe = setInterval(() => void get('/health/live').catch(() => undefined), 3000);
    return () => clearInterval(probe);
  }, [online]);
  useEffect(() => {
    if (!recovered) return;
    const timer = setTimeout(() => setRecovered(false), 4000);
    return () => clearTimeout(timer);
  }, [recovered]);

  if (!online) {
    return (
      <div className="banner banner-offline" role="status">
        <span aria-hidden="true">⚠ </span>Connection to Vigil lost. Retrying…
      </div>
    );
  }
  if (recovered) {
    return (
      <div className="banner banner-online" role="status">
        <span aria-hidden="true">✓ </span>Connection restored.
      </div>
    );
  }
  return null;
}
