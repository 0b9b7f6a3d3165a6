import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

/** The console's own routes under /admin, in the address bar (history API); Strata answers index.html for each. */
export type Route =
  | { page: 'programs' }
  | { page: 'program'; key: string }
  | { page: 'draft'; id: string }
  | { page: 'customers' }
  | { page: 'customer'; id: string }
  | { page: 'catalogs' }
  | { page: 'audit' }
  | { page: 'webhooks' };

export function routeOf(pathname: string): Route {
  const customer = /^\/admin\/customers\/([^/]+)\/?$/.exec(pathname);
  if (customer) return { page: 'customer', id: decodeURIComponent(customer[1]) };
  if (/^\/admin\/customers\/?$/.test(pathname)) return { page: 'customers' };
  if (/^\/admin\/catalogs\/?$/.test(pathname)) return { page: 'catalogs' };
  if (/^\/admin\/audit\/?$/.test(pathname)) return { page: 'audit' };
  if (/^\/admin\/webhooks\/?$/.test(pathname)) return { page: 'webhooks' };
  const draft = /^\/admin\/drafts\/([^/]+)\/?$/.exec(pathname);
  if (draft) return { page: 'draft', id: decodeURIComponent(draft[1]) };
  const program = /^\/admin\/programs\/([^/]+)\/?$/.exec(pathname);
  if (program) return { page: 'program', key: decodeURIComponent(program[1]) };
  return { page: 'programs' };
}

export const programPath = (key: string) => `/admin/programs/${encodeURIComponent(key)}`;
export const draftPath = (id: string) => `/admin/drafts/${encodeURIComponent(id)}`;
export const customerPath = (id: string) => `/admin/customers/${encodeURIComponent(id)}`;

export function navigate(to: string): void {
  window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(routeOf(window.location.pathname));
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}

/** A link that changes the page without reloading it (and opens in a new tab as links do). */
export function Link({ to, children, ...rest }: { to: string; children: ReactNode; className?: string; 'aria-current'?: 'page' }) {
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={click} {...rest}>
      {children}
    </a>
  );
}
