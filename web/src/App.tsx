// The console's shell: the sign-in gate, then the pages, each loaded on first visit (its own chunk).
import { RouterProvider, createBrowserRouter } from 'react-router';
import type { RouteObject } from 'react-router';
import { Layout } from './components/Layout';
import { ErrorNotice } from './components/ErrorNotice';
import { Loading } from './components/Loading';
import { SignIn } from './pages/SignIn';
import { NotFound, RouteError } from './pages/NotFound';
import { SessionProvider, useMe } from './session';

function withErrorElement(routes: RouteObject[]): RouteObject[] {
  return routes.map((route) => ({ ...route, errorElement: <RouteError /> }));
}

const router = createBrowserRouter([
  {
    path: '/',
    element: <Layout />,
    errorElement: <RouteError />,
    // A page that fails keeps the shell (navigation, sign-out) around its error.
    children: withErrorElement([
      { index: true, lazy: async () => ({ Component: (await import('./pages/Overview')).Overview }) },
      { path: 'organization', lazy: async () => ({ Component: (await import('./pages/Organization')).Organization }) },
      { path: 'organization/:code', lazy: async () => ({ Component: (await import('./pages/Organization')).Organization }) },
      {
        path: 'cameras',
        // The wall's cameras and states are asked for beside the page's code, not after its first render.
        loader: async ({ request }) => {
          (await import('./cameras/prefetch')).prefetchWallFor(request.url);
          return null;
        },
        lazy: async () => ({ Component: (await import('./pages/Cameras')).Cameras }),
      },
      { path: 'cameras/:cameraId', lazy: async () => ({ Component: (await import('./pages/Camera')).CameraPage }) },
      { path: 'alerts', lazy: async () => ({ Component: (await import('./pages/Alerts')).Alerts }) },
      { path: 'events', lazy: async () => ({ Component: (await import('./pages/Events')).Events }) },
      { path: 'admin', lazy: async () => ({ Component: (await import('./pages/Admin')).Admin }) },
      { path: '*', element: <NotFound /> },
    ]),
  },
]);

export function App() {
  const me = useMe();
  if (me.isPending) return <Loading what="Opening Vigil" />;
  if (me.isError) return <ErrorNotice error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data) return <SignIn />;
  return (
    <SessionProvider me={me.data}>
      <RouterProvider router={router} />
    </SessionProvider>
  );
}
