import { useCallback, useEffect, useState } from 'react';
import { SignInNeeded, request } from './api';
import { ViewerDocument, type ViewerQuery } from './gql/graphql';
import { useI18n, type Language } from './i18n';
import { CustomerCard, CustomerSearch } from './pages/Customers';
import { DraftPage } from './pages/Draft';
import { ProgramPage } from './pages/Program';
import { Webhooks } from './pages/Webhooks';
import { AuditLog } from './pages/AuditLog';
import { Catalogs } from './pages/Catalogs';
import { Programs } from './pages/Programs';
import { Link, useRoute } from './router';
import { SignIn } from './pages/SignIn';
import { session } from './session';

export type Viewer = ViewerQuery['viewer'];

/** Signs in with an API key, learns what the key may do, and shows the console. */
export function App() {
  const { t } = useI18n();
  const route = useRoute();
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [checking, setChecking] = useState(() => session.key() !== null);

  const signOut = useCallback((message: string | null) => {
    session.signOut();
    setViewer(null);
    setNotice(message);
    setChecking(false);
  }, []);
  // Strata's own 401 message is written for integrators; a person is told in their language.
  const onSignInNeeded = useCallback(() => signOut(t.keyRefused), [signOut, t]);

  const check = useCallback(() => {
    request(ViewerDocument).then(
      (data) => {
        setViewer(data.viewer);
        setNotice(null);
        setChecking(false);
      },
      (error: Error) => signOut(error instanceof SignInNeeded ? t.keyRefused : `${t.unreachable} ${error.message}`),
    );
  }, [signOut, t]);

  useEffect(() => {
    if (session.key()) check();
  }, [check]);

  if (checking) return null;
  if (!viewer) {
    return (
      <Shell viewer={null} onSignOut={() => signOut(null)}>
        <SignIn
          notice={notice}
          onKey={(key) => {
            session.signIn(key);
            setChecking(true);
            check();
          }}
        />
      </Shell>
    );
  }
  return (
    <Shell viewer={viewer} onSignOut={() => signOut(null)}>
      {route.page === 'catalogs' ? (
        <Catalogs roles={viewer.effectiveRoles} onSignInNeeded={onSignInNeeded} />
      ) : route.page === 'audit' ? (
        <AuditLog roles={viewer.effectiveRoles} />
      ) : route.page === 'webhooks' ? (
        <Webhooks roles={viewer.effectiveRoles} />
      ) : route.page === 'customer' ? (
        <CustomerCard key={route.id} customerId={route.id} roles={viewer.effectiveRoles} onSignInNeeded={onSignInNeeded} />
      ) : route.page === 'customers' ? (
        <CustomerSearch />
      ) : route.page === 'draft' ? (
        <DraftPage key={route.id} draftId={route.id} roles={viewer.effectiveRoles} onSignInNeeded={onSignInNeeded} />
      ) : route.page === 'program' ? (
        <ProgramPage key={route.key} programKey={route.key} roles={viewer.effectiveRoles} onSignInNeeded={onSignInNeeded} />
      ) : (
        <Programs roles={viewer.effectiveRoles} onSignInNeeded={onSignInNeeded} />
      )}
    </Shell>
  );
}

function Shell({ viewer, onSignOut, children }: { viewer: Viewer | null; onSignOut: () => void; children: React.ReactNode }) {
  const { t, language, setLanguage } = useI18n();
  const route = useRoute();
  const section = route.page === 'customers' || route.page === 'customer' ? 'customers' : route.page === 'catalogs' || route.page === 'audit' || route.page === 'webhooks' ? route.page : 'programs';
  const current = (name: typeof section) => (section === name ? ('page' as const) : undefined);
  return (
    <div className="shell">
      <header className="top">
        <span className="brand">{t.appName}</span>
        {viewer && (
          <nav aria-label="main">
            <Link to="/admin/" aria-current={current('programs')}>
              {t.programs}
            </Link>
            <Link to="/admin/customers" aria-current={current('customers')}>
              {t.customersTitle}
            </Link>
            <Link to="/admin/catalogs" aria-current={current('catalogs')}>
              {t.catalogs}
            </Link>
            {viewer.effectiveRoles.some((role) => role === 'EDITOR' || role === 'APPROVER') && (
              <Link to="/admin/audit" aria-current={current('audit')}>
                {t.audit}
              </Link>
            )}
            {viewer.effectiveRoles.includes('INTEGRATOR') && (
              <Link to="/admin/webhooks" aria-current={current('webhooks')}>
                {t.webhooks}
              </Link>
            )}
          </nav>
        )}
        <span className="spacer" />
        <label className="language">
          {t.language}
          <select value={language} onChange={(e) => setLanguage(e.target.value as Language)} aria-label={t.language}>
            <option value="en">English</option>
            <option value="zh-CN">简体中文</option>
          </select>
        </label>
        {viewer && (
          <>
            <span className="who" data-roles={viewer.effectiveRoles.join(' ')}>
              {t.signedInAs} <strong>{viewer.name}</strong> · {t.roles}: {viewer.roles.join(', ')}
            </span>
            <button onClick={onSignOut}>{t.signOut}</button>
          </>
        )}
      </header>
      {viewer && !viewer.effectiveRoles.some((r) => r !== 'VIEWER') && <p className="read-only">{t.readOnly}</p>}
      <main>{children}</main>
    </div>
  );
}
