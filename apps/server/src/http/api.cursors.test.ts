/**
 * Forged cursors on every paginated list are 400 `E_VALIDATION`, never a 500: an id past the
 * column's range, a time outside what a date can hold, malformed text.
 */
import { describe, expect, it } from 'vitest';
import { expectError, serverFor } from '../testing/api-helpers.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const idCursor = (text: string) => `c1.${b64(text)}`;
const timeCursor = (value: unknown) => b64(JSON.stringify(value));

const FORGED_IDS = ['2147483648', '9999999999999999', '0', '12a', ''].map(idCursor).concat(['c1.', 'nonsense']);
const FORGED_TIMES = [
  [1e20, 1],
  [8.64e15 + 1, 1],
  [-1e16, 1],
  [1.5, 1],
  [1_700_000_000_000, 2 ** 31],
  [1_700_000_000_000, 0],
  [null, 1],
  [1],
  {},
].map(timeCursor);

describe('forged cursors (embedded)', () => {
  const api = serverFor('embedded');

  it('answers 400 on every list, as admin and as member', async () => {
    const lists: { url: string; as: 'admin' | 'alice'; cursors: string[] }[] = [
      { url: '/api/users', as: 'admin', cursors: FORGED_IDS },
      { url: '/api/me/tokens', as: 'alice', cursors: FORGED_IDS },
      { url: `/api/teams/${api.t.ids.teamA}/members`, as: 'alice', cursors: FORGED_IDS },
      { url: '/api/teams', as: 'alice', cursors: FORGED_IDS },
      { url: `/api/teams/${api.t.ids.teamA}/integrations`, as: 'alice', cursors: FORGED_IDS },
      { url: '/api/admin/audit', as: 'admin', cursors: [idCursor('9999999999999999'), 'c1.', 'nonsense'] },
      {
        url: `/api/teams/${api.t.ids.teamA}/work-items?metric=leadTimeHours&`,
        as: 'alice',
        cursors: [...FORGED_TIMES, 'nonsense'],
      },
    ];
    let checked = 0;
    for (const list of lists) {
      for (const cursor of list.cursors) {
        const separator = list.url.endsWith('&') ? '' : '?';
        const response = await api.request({
          method: 'GET',
          url: `${list.url}${separator}cursor=${encodeURIComponent(cursor)}`,
          as: list.as,
        });
        expect(response.statusCode, `${list.url} ${cursor}: ${response.body}`).toBe(400);
        expectError(response, 400, 'E_VALIDATION');
        checked++;
      }
    }
    expect(checked).toBe(5 * FORGED_IDS.length + 3 + FORGED_TIMES.length + 1);
    // A cursor the server made still works, and the audit log takes ids past the integer range.
    const audit = await api.request({ method: 'GET', url: `/api/admin/audit?cursor=${idCursor('2147483648')}` });
    expect(audit.statusCode).toBe(200);
  });
});
