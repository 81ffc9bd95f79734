import { Link, isRouteErrorResponse, useRouteError } from 'react-router';

export function NotFound() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Go to the overview</Link>.
      </p>
    </section>
  );
}

/** A page that failed to load or to render: a lost connection while fetching its code, or a fault. */
export function RouteError() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFound />;
  const loading = error instanceof TypeError && /dynamically imported module|Failed to fetch|Importing a module/i.test(error.message);
  return (
    <section className="page">
      <h1>{loading ? 'This page could not be loaded' : 'Something went wrong in this page'}</h1>
      <div className="notice notice-error" role="alert">
        <p>
          {loading
            ? 'Vigil could not be reached to load this page. Check the connection, then try again.'
            : 'The page met an error it could not recover from. Reload it; if it happens again, contact support.'}
        </p>
        <button type="button" className="button secondary" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
      <p>
        <Link to="/">Go to the overview</Link>
      </p>
    </section>
  );
}
