// Administration: users and their grants, API keys (shown once on creation), and the audit log.
// Each section is shown only to a user whose grants carry its permission; the section and its
// filters are kept in the page address (?section=users|keys|audit).
import { Link, useSearchParams } from 'react-router';
import { useUnitOptions } from '../api/admin';
import { useSession } from '../session';
import { ApiKeysSection } from './admin/ApiKeysSection';
import { AuditSection } from './admin/AuditSection';
import { UNITS_LIST_ID } from './admin/GrantsEditor';
import { UsersSection } from './admin/UsersSection';
import { chooseSection, visibleSections } from './admin/sections';
import './Admin.css';

export function Admin() {
  const session = useSession();
  const [params] = useSearchParams();
  const visible = visibleSections((permission) => session.can(permission));
  const section = chooseSection(params.get('section'), visible);
  return (
    <section className="page admin" aria-labelledby="admin-title">
      <h1 id="admin-title">Administration</h1>
      {section ? (
        <>
          <nav aria-label="Administration sections" className="admin-sections">
            <ul>
              {visible.map((item) => (
                <li key={item.id}>
                  <Link to={`?section=${item.id}`} aria-current={item.id === section.id ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          {section.id === 'users' ? <UsersSection /> : section.id === 'keys' ? <ApiKeysSection /> : <AuditSection />}
          <UnitOptions enabled={session.can('org:read')} />
        </>
      ) : (
        <p className="card">
          Your grants do not include any administration. Ask an administrator if you need to manage users or read the audit log.
        </p>
      )}
    </section>
  );
}

/** Unit codes suggested by every unit field of the page (typing any code still works). */
function UnitOptions({ enabled }: { enabled: boolean }) {
  const units = useUnitOptions(enabled);
  return (
    <datalist id={UNITS_LIST_ID}>
      {(units.data ?? []).map((unit) => (
        <option key={unit.code} value={unit.code} label={unit.name} />
      ))}
    </datalist>
  );
}
