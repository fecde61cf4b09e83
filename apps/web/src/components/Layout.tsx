/** The page frame: navigation, the live-update status, Force refresh and Log out. */
import { type ReactNode, useState } from 'react';
import { messageOf } from '../app/api.ts';
import type { RememberedUser } from '../app/browser-cache.ts';
import { liveStatus } from '../app/live.ts';
import { reloadOnScreen } from '../app/loader.ts';
import { logout } from '../app/session.ts';
import { useStore } from '../app/store.ts';
import { Link } from './Link.tsx';

const LIVE_TEXT = { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…', off: 'offline' } as const;

/** See the file comment. */
export function Layout({ user, path, children }: { user: RememberedUser; path: string; children: ReactNode }) {
  const live = useStore(liveStatus);
  const [refreshing, setRefreshing] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const forceRefresh = async () => {
    setRefreshing(true);
    setNotice(undefined);
    try {
      const count = await reloadOnScreen('fresh');
      setNotice(`Refreshed ${count} ${count === 1 ? 'item' : 'items'} from the server`);
    } catch (error) {
      setNotice(messageOf(error));
    } finally {
      setRefreshing(false);
    }
  };

  const nav = [
    {
      href: '/teams',
      label: 'Teams',
      active: path === '/' || path.startsWith('/teams') || path.startsWith('/integrations'),
    },
    ...(user.role === 'admin'
      ? [{ href: '/admin/cache', label: 'Admin → Cache', active: path === '/admin/cache' }]
      : []),
    { href: '/admin/monitor', label: 'Cache monitor', active: path === '/admin/monitor' },
  ];

  return (
    <div className="shell">
      <header className="topbar">
        <Link href="/teams" className="brand">
          AgileTrack
        </Link>
        <nav>
          {nav.map((item) => (
            <Link key={item.href} href={item.href} className={item.active ? 'active' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="topbar-right">
          <span className={`live ${live}`} title="Server events (cache invalidations)">
            <i /> {LIVE_TEXT[live]}
          </span>
          <button
            type="button"
            onClick={forceRefresh}
            disabled={refreshing}
            title="Reload this page's data, bypassing every cache"
          >
            {refreshing ? 'Refreshing…' : 'Force refresh'}
          </button>
          <span className="user">
            {user.name}
            {user.role === 'admin' ? ' (admin)' : ''}
          </span>
          <button type="button" className="secondary" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      {notice && (
        <div className="notice" role="status">
          {notice}
        </div>
      )}
      <main>{children}</main>
    </div>
  );
}
