import { useEffect, useState, type FormEvent } from 'react';
import { messagesOf, request } from '../api';
import { SUMMARY_WORDS, displayValue } from '../conditions/summary';
import {
  CustomerCardDocument,
  CustomerSearchDocument,
  CustomerTierAtDocument,
  OverrideRevokeDocument,
  OverrideSetDocument,
  type CustomerCardQuery,
  type CustomerSearchQuery,
  type CustomerTierAtQuery,
} from '../gql/graphql';
import { useI18n } from '../i18n';
import { Link, customerPath } from '../router';
import { useQuery } from '../use-query';

type Found = CustomerSearchQuery['customers'];
type Card = NonNullable<CustomerCardQuery['customer']>;
type Assignment = Card['tiers'][number];

/** Searches, and keeps the search in the address so a reload or a shared link shows it again. */
function lookUp(text: string, onFound: (found: Found) => void, onProblem: (message: string) => void): void {
  const query = text.trim();
  if (!query) return;
  window.history.replaceState(null, '', `?q=${encodeURIComponent(query)}`);
  request(CustomerSearchDocument, { query }).then((data) => onFound(data.customers), (e: Error) => onProblem(e.message));
}

/** Search by the start of a name or an externalId. */
export function CustomerSearch() {
  const { t, number } = useI18n();
  const [opened] = useState(() => new URLSearchParams(window.location.search).get('q') ?? '');
  const [text, setText] = useState(opened);
  const [found, setFound] = useState<Found | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const search = (event?: FormEvent) => {
    event?.preventDefault();
    lookUp(text, setFound, setProblem);
  };
  // The search of the address the page was opened with.
  useEffect(() => lookUp(opened, setFound, setProblem), [opened]);
  return (
    <section aria-labelledby="customers-title">
      <h2 id="customers-title">{t.customersTitle}</h2>
      <form onSubmit={search} className="search">
        <label>
          {t.searchLabel}
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} name="query" />
        </label>
        <button type="submit">{t.search}</button>
      </form>
      {problem && <p role="alert" className="notice">{problem}</p>}
      {found && (
        <>
          <p className="help">
            {number(found.totalCount)} {t.found}
          </p>
          <table className="results">
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col">externalId</th>
                <th scope="col">{t.tiersNow}</th>
              </tr>
            </thead>
            <tbody>
              {found.edges.map(({ node }) => (
                <tr key={node.id}>
                  <td>
                    <Link to={customerPath(node.id)}>{node.name}</Link>
                  </td>
                  <td className="key">{node.externalId}</td>
                  <td>{node.tiers.map((a) => `${a.program.name}: ${a.tier?.name ?? t.noTier}`).join(' · ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** The customer card: facts, each program's tier with its checklist and what the next tier takes, entitlements, history. */
export function CustomerCard({ customerId, roles, onSignInNeeded }: { customerId: string; roles: readonly string[]; onSignInNeeded: () => void }) {
  const { t } = useI18n();
  const { data, error, loading, reload } = useQuery(CustomerCardDocument, { id: customerId }, onSignInNeeded);
  if (loading && !data) return <p>{t.loading}</p>;
  if (error) return <p role="alert" className="notice">{error.message}</p>;
  const customer = data?.customer;
  if (!customer) return <p role="alert" className="notice">{t.noSuchCustomer}</p>;
  return (
    <section aria-labelledby="card-title">
      <p>
        <Link to="/admin/customers">← {t.customersTitle}</Link>
      </p>
      <h2 id="card-title">{customer.name}</h2>
      <p className="help">
        <span className="key">{customer.externalId}</span>
        {customer.segment && ` · ${customer.segment}`}
      </p>
      <div className="card-grid">
        <section aria-labelledby="facts-title">
          <h3 id="facts-title">{t.facts}</h3>
          <table className="facts">
            <tbody>
              {customer.factValues.map((f) => (
                <tr key={f.key}>
                  <th scope="row" title={f.definition?.description ?? undefined}>
                    {f.key}
                  </th>
                  <td>{f.value.display}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <Entitlements customer={customer} />
      </div>
      {customer.tiers.map((assignment) => (
        <ProgramTier key={assignment.program.key} customer={customer} assignment={assignment} canOverride={roles.includes('INTEGRATOR')} onChanged={reload} />
      ))}
      <History customer={customer} />
    </section>
  );
}

function ProgramTier({ customer, assignment, canOverride, onChanged }: { customer: Card; assignment: Assignment; canOverride: boolean; onChanged: () => void }) {
  const { t } = useI18n();
  const { explanation } = assignment;
  return (
    <section className="program-tier" aria-label={assignment.program.name} data-program={assignment.program.key}>
      <h3>
        {assignment.program.name}: <span data-tier={assignment.tier?.key ?? ''}>{assignment.tier ? `${assignment.tier.name} (${assignment.tier.key})` : t.noTier}</span>
      </h3>
      <p className="help">
        v{assignment.ruleVersion} · {t.source[assignment.source]}
        {assignment.override && ` · ${t.overrideBy} ${assignment.override.createdBy}: ${assignment.override.reason}`}
      </p>
      {assignment.held && <Held assignment={assignment} />}
      {explanation.nextTier && explanation.nextTier.tierKey !== assignment.tier?.key && (
        <p className="next-tier">
          {t.nextTier} {explanation.nextTier.tier.name}: {explanation.nextTier.requirements.map((r) => r.message).join('; ')}
        </p>
      )}
      <Checklist conditions={explanation.conditions} />
      <TierOnDate customer={customer} assignment={assignment} />
      {canOverride && <Override customer={customer} assignment={assignment} onChanged={onChanged} />}
    </section>
  );
}

/** A tier the time policy holds: its status, when it falls and to what, and what keeping it takes. */
function Held({ assignment }: { assignment: Assignment }) {
  const { t, language } = useI18n();
  const held = assignment.held!;
  // Reviews fall at the program's midnight: its calendar day is what a person is told.
  const day = (iso: string) => new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: held.timeZone }).format(new Date(iso));
  const verdict = held.rulesTier ? `${held.rulesTier.name} (${held.rulesTier.key})` : t.noTier;
  const needs = assignment.explanation.keepTier?.requirements.map((r) => r.message).join('; ');
  return (
    <p className="held" data-status={held.status}>
      <strong>{t.tierStatus[held.status]}</strong>
      {' · '}
      {held.heldUntil ? t.heldFalls(verdict, day(held.heldUntil), held.reviewAt ? day(held.reviewAt) : null) : t.heldForGood(verdict)}
      {needs && ` · ${t.keepTierNeeds} ${needs}`}
    </p>
  );
}

/** An explanation as a checklist: per tier, each condition with the customer's value and whether it passes. */
function Checklist({ conditions }: { conditions: Assignment['explanation']['conditions'] }) {
  const { t, language, number } = useI18n();
  const words = SUMMARY_WORDS[language];
  const shown = (v: unknown) => displayValue(v, words, number);
  const tiers = [...new Set(conditions.map((c) => c.tierKey))];
  return (
    <table className="checklist">
      <thead>
        <tr>
          <th scope="col">{t.tier}</th>
          <th scope="col">{t.condition}</th>
          <th scope="col">{t.customerValue}</th>
          <th scope="col">{t.result}</th>
        </tr>
      </thead>
      <tbody>
        {tiers.flatMap((tierKey) =>
          conditions
            .filter((c) => c.tierKey === tierKey)
            .map((c) => (
              <tr key={c.path.join('.')} data-path={c.path.join('.')} className={c.passed ? 'pass' : 'fail'}>
                <td className="key">{tierKey ?? t.appliesTo}</td>
                <td>
                  {c.fact} {words.operators[c.operator] ?? c.operator} {shown(c.threshold)}
                </td>
                <td>{c.factPresent ? shown(c.actual) : t.missing}</td>
                <td aria-label={c.passed ? t.pass : t.fail}>{c.passed ? '✓' : '✗'}</td>
              </tr>
            )),
        )}
      </tbody>
    </table>
  );
}

/** The dispute's question: the tier shown at a past instant, why then, under the rules of then. */
function TierOnDate({ customer, assignment }: { customer: Card; assignment: Assignment }) {
  const { t, dateTime } = useI18n();
  const [at, setAt] = useState('');
  const [answer, setAnswer] = useState<NonNullable<CustomerTierAtQuery['customer']>['tierAt'] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const look = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      const data = await request(CustomerTierAtDocument, { id: customer.id, programKey: assignment.program.key, at: new Date(at).toISOString() });
      setAnswer(data.customer?.tierAt ?? null);
    } catch (e) {
      setProblem((e as Error).message);
    }
  };
  return (
    <details className="tier-on-date">
      <summary>{t.tierOnDate}</summary>
      <form onSubmit={(e) => void look(e)}>
        <label className="field">
          {t.onDate}
          <input type="datetime-local" step={1} required value={at} onChange={(e) => setAt(e.target.value)} />
        </label>
        <button>{t.lookUp}</button>
      </form>
      {problem && (
        <p role="alert" className="notice">
          {problem}
        </p>
      )}
      {answer && (
        <div className="as-of" data-tier={answer.tierKey ?? ''}>
          <p>
            <strong>{answer.tier ? `${answer.tier.name} (${answer.tier.key})` : (answer.tierKey ?? t.noTier)}</strong>
            {answer.version && ` · v${answer.version.version}`}
            {answer.cause && answer.change && ` · ${t.causes[answer.cause]} ${dateTime(answer.change.at)}`}
            {!answer.change && ` · ${t.noHistoryYet}`}
          </p>
          {answer.explanation && <Checklist conditions={answer.explanation.conditions} />}
        </div>
      )}
    </details>
  );
}

function Override({ customer, assignment, onChanged }: { customer: Card; assignment: Assignment; onChanged: () => void }) {
  const { t } = useI18n();
  const [tierKey, setTierKey] = useState('');
  const [reason, setReason] = useState('');
  const [expiresAt, setExpiresAt] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const set = async (event: FormEvent) => {
    event.preventDefault();
    const input = { customerId: customer.id, programKey: assignment.program.key, tierKey, reason, expiresAt: expiresAt ? new Date(expiresAt).toISOString() : null };
    const { tierOverrideSet } = await request(OverrideSetDocument, { input });
    if (tierOverrideSet.userErrors.length) setProblem(messagesOf(tierOverrideSet.userErrors));
    else onChanged();
  };
  const revoke = async (id: string) => {
    const { tierOverrideRevoke } = await request(OverrideRevokeDocument, { id });
    if (tierOverrideRevoke.userErrors.length) setProblem(messagesOf(tierOverrideRevoke.userErrors));
    else onChanged();
  };
  if (assignment.override) {
    const { id } = assignment.override;
    return (
      <p>
        <button className="secondary" onClick={() => void revoke(id)}>
          {t.revokeOverride}
        </button>
        {problem && <span role="alert" className="notice">{problem}</span>}
      </p>
    );
  }
  return (
    <form className="override" onSubmit={(e) => void set(e)}>
      <label>
        {t.overrideTier}
        <input value={tierKey} onChange={(e) => setTierKey(e.target.value)} name="tierKey" />
      </label>
      <label>
        {t.reason}
        <input value={reason} onChange={(e) => setReason(e.target.value)} name="reason" />
      </label>
      <label>
        {t.expires}
        <input type="datetime-local" value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} name="expiresAt" />
      </label>
      <button type="submit" disabled={!tierKey || !reason}>
        {t.setOverride}
      </button>
      {problem && <span role="alert" className="notice">{problem}</span>}
    </form>
  );
}

function Entitlements({ customer }: { customer: Card }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="entitlements-title">
      <h3 id="entitlements-title">{t.entitlements}</h3>
      <table className="entitlement-list">
        <tbody>
          {customer.entitlements.map((e) => (
            <tr key={e.key} data-key={e.key}>
              <th scope="row">{e.definition?.name ?? e.key}</th>
              <td>{e.typedValue.display}</td>
              <td className="help">{e.source === 'TIER' ? `${e.programKey} ${e.tierKey}` : t.grant}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function History({ customer }: { customer: Card }) {
  const { t, dateTime } = useI18n();
  return (
    <section aria-labelledby="history-title">
      <h3 id="history-title">{t.history}</h3>
      <table className="history">
        <tbody>
          {customer.tierHistory.edges.map(({ node }) => (
            <tr key={node.id}>
              <td>{dateTime(node.at)}</td>
              <td className="key">{node.programKey}</td>
              <td>
                {node.fromTierKey ?? '—'} → {node.toTierKey ?? '—'}
              </td>
              <td className="help">
                {t.causes[node.cause] ?? node.cause} {node.ruleVersion ? `v${node.ruleVersion}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
