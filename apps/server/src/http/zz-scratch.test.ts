import { describe, it } from 'vitest';
import { startTestServer, TEST_MODES } from '../testing/harness.ts';

describe.each(TEST_MODES)('%s', (mode) => {
  it('probe', async () => {
    let s = performance.now();
    const t = await startTestServer(mode);
    console.log(mode, 'start ms', Math.round(performance.now() - s));
    const r = await t.request({ method: 'POST', url: `/api/integrations/${t.ids.integrationA}/sync` });
    console.log(r.body);
    s = performance.now();
    await t.close();
    console.log(mode, 'close ms', Math.round(performance.now() - s));
  });
});
