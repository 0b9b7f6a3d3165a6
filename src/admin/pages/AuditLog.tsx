import { useCallback, useEffect, useState } from 'react';
import { request } from '../api';
import { changesOf } from '../audit/changes';
import { SUMMARY_WORDS, displayValue, summarize } from '../conditions/summary';
import type { Condition } from '../conditions/query';
import { AuditLogDocument, type AuditAction, type AuditEventFilter, type AuditLogQuery } from '../gql/graphql';
import { useI18n } from '../i18n';
import { Link, draftPath, programPath } from '../router';

type AuditEvent = AuditLogQuery['auditEvents']['edges'][number]['node'];
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const ENTITY_TYPES = ['PROGRAM', 'RULE_DRAFT', 'CUSTOMER', 'GRANT', 'OVERRIDE', 'API_KEY', 'FACT', 'ENTITLEMENT'];

/** The audit log, filtered by kind, action, actor and date; each entry's before and after as a list of changes. */
export function AuditLog({ roles }: { roles: readonly string[] }) {
  const { t } = useI18n();
  const [filter, setFilter] = useState({ entityType: '', action: '', actorName: '', since: '' });
  const [applied, setApplied] = useState<AuditEventFilter>({});
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const allowed = roles.includes('EDITOR') || roles.includes('APPROVER');

  const load = useCallback(async (after: string | null, replace: boolean) => {
    setLoading(true);
    try {
      const { auditEvents } = await request(AuditLogDocument, { filter: applied, after });
      const page = auditEvents.edges.map((e) => e.node);
      setEvents((shown) => (replace ? page : [...shown, ...page]));
      setNext(auditEvents.pageInfo.hasNextPage ? (auditEvents.pageInfo.endCursor ?? null) : null);
      setProblem(null);
    } catch (e) {
      setProblem((e as Error).message);
    } finally {
      setLoading(false);
    }
  }, [applied]);
  // The first page again whenever the filter applied changes.
  useEffect(() => {
    if (allowed) void load(null, true);
  }, [load, allowed]);

  if (!allowed) return <p className="notice">{t.auditForbidden}</p>;
  const apply = () =>
    setApplied({
      entityType: filter.entityType || null,
      action: (filter.action || null) as AuditAction | null,
      actorName: filter.actorName.trim() || null,
      since: filter.since ? new Date(`${filter.since}T00:00:00`).toISOString() : null,
    });
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">{t.audit}</h2>
      <p className="help">{t.auditHelp}</p>
      <form className="audit-filter" onSubmit={(e) => (e.preventDefault(), apply())}>
        <label className="field">
          {t.entityType}
          <select value={filter.entityType} onChange={(e) => setFilter({ ...filter, entityType: e.target.value })}>
            <option value="">{t.anyValue}</option>
            {ENTITY_TYPES.map((type) => (
              <option key={type} value={type}>
                {t.entityTypes[type]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t.action}
          <select value={filter.action} onChange={(e) => setFilter({ ...filter, action: e.target.value })}>
            <option value="">{t.anyValue}</option>
            {Object.entries(t.auditActions).map(([action, label]) => (
              <option key={action} value={action}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t.actor}
          <input value={filter.actorName} onChange={(e) => setFilter({ ...filter, actorName: e.target.value })} />
        </label>
        <label className="field">
          {t.since}
          <input type="date" value={filter.since} onChange={(e) => setFilter({ ...filter, since: e.target.value })} />
        </label>
        <button>{t.search}</button>
      </form>
      {problem && <p role="alert" className="notice">{problem}</p>}
      {!loading && events.length === 0 && !problem && <p>{t.noEvents}</p>}
      <ol className="audit-events">
        {events.map((event) => (
          <AuditEntry key={event.id} event={event} />
        ))}
      </ol>
      {next && (
        <button className="secondary" disabled={loading} onClick={() => void load(next, false)}>
          {t.loadMore}
        </button>
      )}
    </section>
  );
}

/** Where the changed thing has a page of its own (a deleted customer has none). */
function pathOf({ entityType, entityKey }: AuditEvent): string | null {
  if (entityType === 'PROGRAM') return programPath(entityKey);
  if (entityType === 'RULE_DRAFT') return draftPath(entityKey);
  return null;
}

function AuditEntry({ event }: { event: AuditEvent }) {
  const { t, dateTime } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <li className="audit-event" data-action={event.action} data-entity={`${event.entityType}:${event.entityKey}`}>
      <div className="audit-line">
        <span className="when">{dateTime(event.at)}</span> <strong>{event.actorName}</strong> · {t.auditActions[event.action] ?? event.action} ·{' '}
        {t.entityTypes[event.entityType] ?? event.entityType}{' '}
        {pathOf(event) ? (
          <Link to={pathOf(event)!} className="key">
            {event.entityKey}
          </Link>
        ) : (
          <span className="key">{event.entityKey}</span>
        )}
        <button className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {t.whatChanged}
        </button>
      </div>
      {open && <Changes before={event.before} after={event.after} />}
    </li>
  );
}

/** Before and after, leaf by leaf: conditions in words, a named thing (a tier) by its name, values as a person reads them, the old struck through. */
function Changes({ before, after }: { before: unknown; after: unknown }) {
  const { t, language, number, dateTime } = useI18n();
  const words = SUMMARY_WORDS[language];
  const show = (value: unknown): string => {
    if (typeof value === 'string' && INSTANT.test(value)) return dateTime(value);
    if (value && typeof value === 'object' && !Array.isArray(value) && ['all', 'any', 'not', 'fact'].some((k) => k in value)) return summarize(value as Condition, words, number);
    if (value && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string') return (value as { name: string }).name;
    if (value && typeof value === 'object') return JSON.stringify(value);
    return displayValue(value, words, number);
  };
  const changes = changesOf(before, after);
  if (changes.length === 0) return <p className="help">{t.noChanges}</p>;
  return (
    <table className="changes">
      <thead>
        <tr>
          <th>{t.entity}</th>
          <th>{t.before}</th>
          <th>{t.after}</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((change) => (
          <tr key={change.path.join('.')} data-path={change.path.join('.')}>
            <td className="key">{change.path.join(' › ') || '—'}</td>
            <td>{change.kind !== 'added' && <del>{show(change.before)}</del>}</td>
            <td>{change.kind !== 'removed' && <ins>{show(change.after)}</ins>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
