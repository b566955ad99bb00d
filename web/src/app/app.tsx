/**
 * The app's shell: TanStack Query and a router small enough to read. Two areas, each its own bundle so a
 * kiosk never loads the console: the kiosk terminal at /kiosk/{cabinet} (a cabinet's touch screen) and the
 * console at /console (managers). The cabinet simulator will sit beside the kiosk at
 * /kiosk/{cabinet}/simulator.
 */
import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { queryClient } from '../lib/query-client';

const ConsoleRoute = lazy(() =>
  import('./routes/console').then((module) => ({ default: module.ConsoleRoute })),
);
const KioskRoute = lazy(() => import('./routes/kiosk').then((module) => ({ default: module.KioskRoute })));
const SimulatorRoute = lazy(() =>
  import('./routes/kiosk').then((module) => ({ default: module.SimulatorRoute })),
);
const KioskIndexRoute = lazy(() =>
  import('./routes/kiosk').then((module) => ({ default: module.KioskIndexRoute })),
);

export function App() {
  const path = window.location.pathname;
  const kiosk = /^\/kiosk\/([a-z0-9][a-z0-9-]*)\/?$/.exec(path);
  const simulator = /^\/kiosk\/([a-z0-9][a-z0-9-]*)\/simulator\/?$/.exec(path);
  return (
    <QueryClientProvider client={queryClient}>
      <Suspense fallback={<p className="loading">Loading…</p>}>
        {simulator?.[1] ? (
          <SimulatorRoute cabinet={simulator[1]} />
        ) : kiosk?.[1] ? (
          <KioskRoute cabinet={kiosk[1]} />
        ) : path.startsWith('/console') ? (
          <ConsoleRoute />
        ) : (
          <KioskIndexRoute />
        )}
      </Suspense>
    </QueryClientProvider>
  );
}
