import { useCallback, useEffect, useMemo, useState } from 'react';
import QueryBuilder, { Rule, findPath, type Field, type RuleGroupType, type RuleGroupTypeAny, type RuleProps, type ValidationMap } from 'react-querybuilder';
import 'react-querybuilder/dist/query-builder.css';
import { messagesOf, request } from '../api';
import { fieldsOf, type FactType } from '../conditions/fields';
import { queryPathOf, toCondition, toQuery, type ConditionTree, type QueryGroup } from '../conditions/query';
import { SUMMARY_WORDS, summarize } from '../conditions/summary';
import {
  DraftApproveDocument,
  DraftDiscardDocument,
  DraftDocument,
  DraftPublishDocument,
  DraftSubmitDocument,
  DraftTierUpdateDocument,
  type DraftQuery,
  type DraftTierUpdateMutation,
} from '../gql/graphql';
import { useI18n } from '../i18n';
import { Link, navigate, programPath } from '../router';
import { useQuery } from '../use-query';
import { ImpactMatrix } from './Impact';
import { RetierProgress } from './Program';
import { TestCases } from './TestCases';

type Draft = NonNullable<DraftQuery['ruleDraft']>;
type DraftTier = Draft['tiers'][number];
type UserError = DraftTierUpdateMutation['ruleDraftTierUpdate']['userErrors'][number];
type Job = Parameters<typeof RetierProgress>[0]['job'];

/** One problem placed on a tier: the path inside its conditions, or null for the tier itself. */
interface TierProblem {
  conditionPath: string[] | null;
  message: string;
}

/** A draft on one page: each tier's rule in the visual editor, validation at the condition it names, and the workflow. */
export function DraftPage({ draftId, roles, onSignInNeeded }: { draftId: string; roles: readonly string[]; onSignInNeeded: () => void }) {
  const { t } = useI18n();
  const { data, error, loading } = useQuery(DraftDocument, { id: draftId }, onSignInNeeded);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [job, setJob] = useState<Job>(null);
  const [saves, setSaves] = useState(0);
  const [stale, setStale] = useState<Draft | null>(null);
  /** Someone else saved: say who, and reload on request; the editors keep what was typed in them. */
  const onStale = useCallback(() => {
    void request(DraftDocument, { id: draftId }).then((fresh) => fresh.ruleDraft && setStale(fresh.ruleDraft));
  }, [draftId]);
  useEffect(() => setDraft(data?.ruleDraft ?? null), [data]);
  // The simulation takes longest: it starts with the page, not after the draft has loaded.
  const impact = <ImpactMatrix draftId={draftId} saves={saves} draftTiers={draft?.tiers ?? []} />;

  const editable = draft?.status === 'EDITING' && roles.includes('EDITOR');
  const act = async (run: () => Promise<{ draft: Draft | null; userErrors: UserError[]; retierJob?: Job }>) => {
    setNotice(null);
    try {
      const result = await run();
      if (result.userErrors.length) setNotice(messagesOf(result.userErrors));
      if (result.draft) setDraft(result.draft);
      if (result.retierJob) setJob(result.retierJob);
    } catch (e) {
      setNotice((e as Error).message);
    }
  };
  // One layout whether or not the draft has loaded, so the impact matrix stays mounted.
  return (
    <section aria-labelledby="draft-title">
      {loading && !data && <p>{t.loading}</p>}
      {error && <p role="alert" className="notice">{error.message}</p>}
      {data && !draft && <p role="alert" className="notice">{t.noSuchDraft}</p>}
      {draft && (
        <>
          <p>
            <Link to={programPath(draft.program.key)}>← {draft.program.name}</Link>
          </p>
          <h2 id="draft-title">
            {t.draftOf} {draft.program.name}
          </h2>
          <p className="help">
            <span data-status={draft.status}>{t.draftStatus[draft.status]}</span> · {t.revision} {draft.revision} · {t.basedOn} v{draft.baseVersion} · {t.lastEditedBy}{' '}
            {draft.lastEditedBy}
            {draft.approvedBy && ` · ${t.approvedBy} ${draft.approvedBy}`}
          </p>
          {notice && (
            <p role="alert" className="notice">
              {notice}
            </p>
          )}
          {stale && (
            <p role="alert" className="notice stale">
              {t.staleBy(stale.lastEditedBy, stale.revision)}{' '}
              <button
                onClick={() => {
                  setDraft(stale);
                  setStale(null);
                  setSaves((n) => n + 1);
                }}
              >
                {t.reloadDraft}
              </button>
            </p>
          )}
          <Workflow draft={draft} roles={roles} act={act} />
          <RetierProgress job={job} onDone={() => undefined} onSignInNeeded={onSignInNeeded} />
          <Validation draft={draft} />
        </>
      )}
      {!error && impact}
      {draft && data && <TestCases draft={draft} facts={data.factDefinitions} editable={editable} onChanged={setDraft} />}
      {draft &&
        data &&
        draft.tiers.map((tier, index) => (
          <TierEditor
            key={tier.key}
            draft={draft}
            tier={tier}
            index={index}
            facts={data.factDefinitions}
            editable={editable}
            onSaved={(saved) => {
              setDraft(saved);
              setSaves((n) => n + 1);
            }}
            onStale={onStale}
          />
        ))}
    </section>
  );
}

function Workflow({ draft, roles, act }: { draft: Draft; roles: readonly string[]; act: (run: () => Promise<any>) => Promise<void> }) {
  const { t } = useI18n();
  const { id, revision, status } = draft;
  const discard = async () => {
    if (!window.confirm(t.discardConfirm)) return;
    await act(async () => {
      const { ruleDraftDiscard } = await request(DraftDiscardDocument, { id, revision });
      if (!ruleDraftDiscard.userErrors.length) navigate(programPath(draft.program.key));
      return { draft: null, userErrors: ruleDraftDiscard.userErrors };
    });
  };
  return (
    <div className="workflow">
      {status === 'EDITING' && roles.includes('EDITOR') && (
        <button disabled={!draft.validation.publishable} onClick={() => void act(async () => (await request(DraftSubmitDocument, { id, revision })).ruleDraftSubmit)}>
          {t.submit}
        </button>
      )}
      {status === 'SUBMITTED' && roles.includes('APPROVER') && (
        <button onClick={() => void act(async () => (await request(DraftApproveDocument, { id, revision })).ruleDraftApprove)}>{t.approve}</button>
      )}
      {status === 'APPROVED' && roles.includes('APPROVER') && (
        <button onClick={() => void act(async () => (await request(DraftPublishDocument, { id })).ruleDraftPublish)}>{t.publish}</button>
      )}
      {!draft.validation.publishable && status === 'EDITING' && <span className="help"> {t.fixBeforeSubmit}</span>}
      {['EDITING', 'SUBMITTED', 'APPROVED'].includes(status) && roles.includes('EDITOR') && (
        <button className="secondary" onClick={() => void discard()}>
          {t.discard}
        </button>
      )}
    </div>
  );
}

function Validation({ draft }: { draft: Draft }) {
  const { t } = useI18n();
  const { errors, warnings, testResults } = draft.validation;
  return (
    <section aria-labelledby="validation-title" className="validation">
      <h3 id="validation-title">{t.validation}</h3>
      {errors.length === 0 && warnings.length === 0 && <p>{t.noProblems}</p>}
      <ul>
        {errors.map((e) => (
          <li key={`${e.field?.join('.')}:${e.message}`} className="error">
            {e.message}
          </li>
        ))}
        {warnings.map((w) => (
          <li key={`${w.field.join('.')}:${w.message}`} className="warning" data-code={w.code}>
            {w.message}
          </li>
        ))}
      </ul>
      {testResults.length > 0 && (
        <p>
          {t.testCases}: {testResults.filter((r) => r.passed).length} / {testResults.length} {t.passing}
        </p>
      )}
    </section>
  );
}

/** Problems of one tier: from a save (`tier` argument) or the draft's validation (`document.tiers.i`). */
function problemsOf(errors: readonly { field: readonly string[] | null; message: string }[], index: number, prefix: 'tier' | 'document'): TierProblem[] {
  return errors.flatMap(({ field, message }) => {
    const path = field ?? [];
    const rest = prefix === 'tier' ? (path[0] === 'tier' ? path.slice(1) : null) : path[0] === 'document' && path[1] === 'tiers' && path[2] === String(index) ? path.slice(3) : null;
    if (!rest) return [];
    return [{ conditionPath: rest[0] === 'conditions' ? rest.slice(1) : null, message }];
  });
}

/** A rule of the builder with the problem the API reported for it, in words beside it. */
function RuleWithProblem(props: RuleProps) {
  const validation = props.rule.id ? props.schema.validationMap[props.rule.id] : undefined;
  const reasons = typeof validation === 'object' && !validation.valid ? (validation.reasons ?? []) : [];
  return (
    <div className="rule-with-problem">
      <Rule {...props} />
      {reasons.length > 0 && (
        <p className="rule-problem" role="alert">
          {reasons.join(' ')}
        </p>
      )}
    </div>
  );
}

function TierEditor({
  draft,
  tier,
  index,
  facts,
  editable,
  onSaved,
  onStale,
}: {
  draft: Draft;
  tier: DraftTier;
  index: number;
  facts: DraftQuery['factDefinitions'];
  editable: boolean;
  onSaved: (draft: Draft) => void;
  onStale: () => void;
}) {
  const { t, language, number } = useI18n();
  const words = SUMMARY_WORDS[language];
  const fields: Field[] = useMemo(() => fieldsOf(facts.map((f) => ({ ...f, type: f.type as FactType })), words), [facts, words]);
  const [query, setQuery] = useState<RuleGroupType>(() => toQuery(tier.conditions as ConditionTree));
  const [saveProblems, setSaveProblems] = useState<TierProblem[]>([]);
  const [conflict, setConflict] = useState<string | null>(null);
  const [showJson, setShowJson] = useState(false);
  const conditions = toCondition(query as QueryGroup);
  const dirty = canonical(conditions) !== canonical(tier.conditions);
  const problems = saveProblems.length ? saveProblems : problemsOf(draft.validation.errors, index, 'document');

  const validator = useCallback(
    (built: RuleGroupTypeAny): ValidationMap => {
      const map: ValidationMap = {};
      for (const problem of problems) {
        if (!problem.conditionPath) continue;
        const node = findPath(queryPathOf(problem.conditionPath), built);
        if (node?.id) map[node.id] = { valid: false, reasons: [problem.message] };
      }
      return map;
    },
    [problems],
  );

  const save = async () => {
    setConflict(null);
    const input = { key: tier.key, name: tier.name, rank: tier.rank, conditions, entitlements: tier.entitlements.map((e) => ({ key: e.key, value: e.value })) };
    const { ruleDraftTierUpdate } = await request(DraftTierUpdateDocument, { id: draft.id, revision: draft.revision, tierKey: tier.key, tier: input });
    const stale = ruleDraftTierUpdate.userErrors.find((e) => e.code === 'CONFLICT' && e.field?.[0] === 'revision');
    if (stale) {
      setConflict(stale.message);
      onStale();
      return;
    }
    setConflict(null);
    setSaveProblems(problemsOf(ruleDraftTierUpdate.userErrors, index, 'tier'));
    if (ruleDraftTierUpdate.draft) onSaved(ruleDraftTierUpdate.draft);
  };
  const tierProblems = problems.filter((p) => !p.conditionPath);

  return (
    <section className="tier-editor" aria-label={`${t.tier} ${tier.key}`} data-tier={tier.key}>
      <header>
        <h3>
          {tier.name} <span className="key">{tier.key}</span>
        </h3>
        <span className="help">
          {t.rank} {tier.rank}
        </span>
      </header>
      <p className="summary">{summarize(conditions, words, number)}</p>
      <QueryBuilder
        fields={fields}
        query={query}
        onQueryChange={setQuery}
        showNotToggle
        listsAsArrays
        parseNumbers="strict-limited"
        validator={validator}
        disabled={!editable}
        controlElements={{ rule: RuleWithProblem }}
        combinators={[
          { name: 'and', value: 'and', label: t.all },
          { name: 'or', value: 'or', label: t.any },
        ]}
      />
      {tierProblems.map((p) => (
        <p key={p.message} role="alert" className="notice">
          {p.message}
        </p>
      ))}
      {conflict && <p className="notice">{t.staleRevision}</p>}
      <div className="tier-actions">
        {editable && (
          <button disabled={!dirty} onClick={() => void save()}>
            {t.saveTier}
          </button>
        )}
        <button className="link" aria-expanded={showJson} onClick={() => setShowJson(!showJson)}>
          JSON
        </button>
      </div>
      {showJson && <pre className="json">{JSON.stringify(conditions, null, 2)}</pre>}
    </section>
  );
}

/** JSON with keys sorted: PostgreSQL's jsonb answers keys in its own order, the editor in its own. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
