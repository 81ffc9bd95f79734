import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { queryClient as client } from './queryClient';
import { meQuery } from './session';
import './styles.css';

// Who is signed in is asked at once, while React and the page's own code load (not after the first render).
void client.prefetchQuery(meQuery);
// Likewise the camera wall's cameras and their states when the wall is the page being opened: the
// router would ask only once it has loaded the page's code.
if (location.pathname === '/cameras') void import('./cameras/prefetch').then(({ prefetchWallFor }) => prefetchWallFor(location.href));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
