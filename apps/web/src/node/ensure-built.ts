/** `npm start` runs this first: builds the dashboard when apps/web/dist is missing or out of date. */
import { ensureDashboardBuilt, WEB_DIST } from './build.ts';

const started = performance.now();
try {
  if (await ensureDashboardBuilt()) {
    console.log(`dashboard built into ${WEB_DIST} (${Math.round(performance.now() - started)} ms)`);
  }
} catch (error) {
  // The API works without the dashboard; say why it is missing and go on.
  console.error('could not build the dashboard:', error instanceof Error ? error.message : error);
}
