/**
 * The page frame: a skip link, the header (navigation, live status, a quiet Refresh, Log out),
 * the section tabs of Settings and Admin, and the page. Below 720 px the navigation folds behind
 * a Menu button; Refresh and Log out stay in the header.
 */
import { type ReactNode, useEffect, useState } from 'react';
import { messageOf } from '../app/api.ts';
import type { RememberedUser } from '../app/browser-cache.ts';
import { liveStatus } from '../app/live.ts';
import { reloadOnScreen } from '../app/loader.ts';
import { logout } from '../app/session.ts';
import { useStore } from '../app/store.ts';
import { Message, type Outcome } from './Feedback.tsx';
import { Link } from './Link.tsx';

const LIVE_TEXT = { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…', off: 'offline' } as const;

interface NavItem {
  readonly href: string;
  readonly label: string;
}

/** The sections of the navigation a user sees: members see only what they may change. */
export function sectionsFor(role: 'admin' | 'member') {
  const settings: NavItem[] = [
    { href: '/settings/teams', label: 'Teams' },
    { href: '/settings/integrations', label: 'Integrations' },
    { href: '/settings/account', label: 'My account' },
    ...(role === 'admin' ? [{ href: '/settings/users', label: 'Users' }] : []),
  ];
  const admin: NavItem[] =
    role === 'admin'
      ? [
          { href: '/admin/audit', label: 'Audit log' },
          { href: '/admin/cache', label: 'Cache' },
          { href: '/admin/monitor', label: 'Cache monitor' },
          { href: '/admin/analytics', label: 'Cache analytics' },
        ]
      : [];
  return { settings, admin };
}

/** See the file comment. */
export function Layout({ user, path, children }: { user: RememberedUser; path: string; children: ReactNode }) {
  const live = useStore(liveStatus);
  const [refreshing, setRefreshing] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(undefined);
  const [menuOpen, setMenuOpen] = useState(false);
  const { settings, admin } = sectionsFor(user.role);

  // A new page closes the menu and forgets the last refresh message.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation only
  useEffect(() => {
    setMenuOpen(false);
    setOutcome(undefined);
  }, [path]);

  const refresh = async () => {
    setRefreshing(true);
    setOutcome(undefined);
    try {
      const count = await reloadOnScreen('fresh');
      setOutcome({ kind: 'success', text: `Refreshed ${count} ${count === 1 ? 'item' : 'items'} from the server` });
    } catch (error) {
      setOutcome({ kind: 'error', text: `Could not reload: ${messageOf(error)}` });
    } finally {
      setRefreshing(false);
    }
  };

  const section = path.startsWith('/settings') ? settings : path.startsWith('/admin') ? admin : undefined;
  const top: (NavItem & { active: boolean })[] = [
    {
      href: '/teams',
      label: 'Teams',
      active: path === '/' || path.startsWith('/teams') || path.startsWith('/integrations'),
    },
    { href: '/settings/teams', label: 'Settings', active: path.startsWith('/settings') },
    ...(admin.length > 0 ? [{ href: '/admin/audit', label: 'Admin', active: path.startsWith('/admin') }] : []),
  ];

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/teams" className="brand">
          AgileTrack
        </Link>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="primary-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <nav id="primary-nav" aria-label="Main" className={menuOpen ? 'open' : undefined}>
          {top.map((item) => (
            <Link key={item.href} href={item.href} aria-current={item.active ? 'page' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="topbar-right">
          <span className={`live ${live}`} title="Live updates from the server">
            <i aria-hidden="true" /> <span className="live-text">{LIVE_TEXT[live]}</span>
          </span>
          <button
            type="button"
            className="quiet"
            aria-label="Refresh"
            onClick={refresh}
            disabled={refreshing}
            title="Reload this page's data from the server, bypassing every cache"
          >
            <span aria-hidden="true">↻</span>
            <span className="label">{refreshing ? 'Refreshing…' : 'Refresh'}</span>
          </button>
          <Link href="/settings/account" className="user" title="My account">
            {user.name}
            {user.role === 'admin' ? ' (admin)' : ''}
          </Link>
          <button type="button" className="secondary logout" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      {section && (
        <nav className="section-nav" aria-label={path.startsWith('/admin') ? 'Admin' : 'Settings'}>
          {section.map((item) => (
            <Link key={item.href} href={item.href} aria-current={path === item.href ? 'page' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
      )}
      {outcome && (
        <div className="shell-message">
          <Message outcome={outcome} />
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
