import { useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { useSession } from '../session';
import { ConnectionBanner } from './ConnectionBanner';

interface NavItem {
  to: string;
  label: string;
  /** Shown when the user holds this permission somewhere. */
  permission: string;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Overview', permission: 'cameras:read' },
  { to: '/organization', label: 'Organization', permission: 'org:read' },
  { to: '/cameras', label: 'Cameras', permission: 'cameras:read' },
  { to: '/alerts', label: 'Alerts', permission: 'alerts:read' },
  { to: '/events', label: 'Events', permission: 'events:read' },
  { to: '/admin', label: 'Administration', permission: 'audit:read' },
];

export function Layout() {
  const session = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const items = NAV.filter((item) => session.can(item.permission));
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="Vigil overview">
          <span aria-hidden="true">◉</span> Vigil
        </NavLink>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="primary-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <nav id="primary-nav" aria-label="Primary" className={menuOpen ? 'nav open' : 'nav'} onClick={() => setMenuOpen(false)}>
          <ul>
            {items.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.to === '/'}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="user">
          <span className="user-name" title={session.user.email}>
            {session.user.displayName || session.user.email}
          </span>
          <button type="button" className="button secondary" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <ConnectionBanner />
      <main id="main" key={location.pathname.split('/')[1]} tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
