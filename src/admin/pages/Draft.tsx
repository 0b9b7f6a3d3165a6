import { useCallback, useEffect, useState } from 'react';
import { messagesOf, request } from '../api';
import { DiffList } from '../components/DiffList';
import {
  DraftApproveDocument,
  DraftDiscardDocument,
  DraftDocument,
  DraftPublishDocument,
  DraftSubmitDocument,
  DraftUpdateDocument,
  type DraftTierUpdateMutation,
} from '../gql/graphql';
import { useI18n } from '../i18n';
import { Link, navigate, programPath } from '../router';
import { useQuery } from '../use-query';
import { AppliesToEditor } from './AppliesToEditor';
import { CoverageLines } from './Coverage';
import { ImpactMatrix } from './Impact';
import { RetierProgress } from './Program';
import { TestCases } from './TestCases';
import { TimePolicyEditor } from './TimePolicyEditor';
import { TierEditor, type Draft } from './TierEditor';

type DraftDocumentShape = { tiers: { key: string; name: string; rank: number; conditions: unknown; entitlements: unknown[] }[] } & Record<string, unknown>;
type UserError = DraftTierUpdateMutation['ruleDraftTierUpdate']['userErrors'][number];
type Job = Parameters<typeof RetierProgress>[0]['job'];

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
  const saved = (next: Draft) => {
    setDraft(next);
    setSaves((n) => n + 1);
  };
  /** Adds, removes or re-ranks tiers: the whole document is saved, every editor keeps its unsaved edits. */
  const reshape = async (document: DraftDocumentShape) => {
    if (!draft) return;
    setNotice(null);
    const { ruleDraftUpdate } = await request(DraftUpdateDocument, { id: draft.id, revision: draft.revision, document });
    if (ruleDraftUpdate.userErrors.some((e) => e.code === 'CONFLICT' && e.field?.[0] === 'revision')) onStale();
    if (ruleDraftUpdate.userErrors.length) setNotice(messagesOf(ruleDraftUpdate.userErrors));
    if (ruleDraftUpdate.draft) saved(ruleDraftUpdate.draft);
  };
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
          <CoverageLines draft={draft} />
          <section aria-labelledby="draft-diff-title" className="draft-diff">
            <h3 id="draft-diff-title">{draft.baseVersion ? t.draftDiff(draft.baseVersion) : t.draftOfNewProgram}</h3>
            <DiffList diff={draft.diff} />
          </section>
        </>
      )}
      {!error && draft?.status !== 'PUBLISHED' && impact}
      {draft && data && <TestCases draft={draft} facts={data.factDefinitions} editable={editable} onChanged={setDraft} />}
      {draft && data && (
        <section aria-labelledby="tiers-title">
          <AppliesToEditor
            draft={draft}
            facts={data.factDefinitions}
            editable={editable}
            onSave={(appliesTo) => reshape({ ...documentOf(draft), appliesTo })}
          />
          <TimePolicyEditor
            draft={draft}
            editable={editable}
            onSave={async (timePolicy) => {
              const { timePolicy: _, ...rest } = documentOf(draft);
              await reshape(timePolicy ? { ...rest, timePolicy } : (rest as DraftDocumentShape));
            }}
          />
          <h3 id="tiers-title">{t.tiers}</h3>
          {draft.tiers.map((tier, position) => (
            <TierEditor
              key={tier.key}
              draft={draft}
              tier={tier}
              index={documentOf(draft).tiers.findIndex((d) => d.key === tier.key)}
              catalog={data}
              editable={editable}
              jsonEditable={roles.includes('ADMIN')}
              place={{
                first: position === 0,
                last: position === draft.tiers.length - 1,
                onMove: (direction) => void reshape(swapRank(draft, tier.key, direction)),
                onRemove: () => {
                  if (window.confirm(t.removeTierConfirm(tier.name))) void reshape(removeTier(draft, tier.key));
                },
              }}
              onSaved={saved}
              onStale={onStale}
            />
          ))}
          {editable && <AddTier draft={draft} onAdd={(key, name) => reshape(addTier(draft, key, name))} />}
        </section>
      )}
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

/** The draft's document: the whole program as ruleDraftUpdate takes it back. */
const documentOf = (draft: Draft) => draft.document as DraftDocumentShape;

/** Swaps a tier's rank with its neighbour's: up (1) is towards the highest rank. */
function swapRank(draft: Draft, key: string, direction: 1 | -1): DraftDocumentShape {
  const document = documentOf(draft);
  const byRank = [...document.tiers].sort((a, b) => b.rank - a.rank);
  const at = byRank.findIndex((tier) => tier.key === key);
  const other = byRank[at - direction];
  const mine = byRank[at];
  if (!other) return document;
  return { ...document, tiers: document.tiers.map((tier) => (tier.key === key ? { ...tier, rank: other.rank } : tier.key === other.key ? { ...tier, rank: mine.rank } : tier)) };
}

function removeTier(draft: Draft, key: string): DraftDocumentShape {
  const document = documentOf(draft);
  return { ...document, tiers: document.tiers.filter((tier) => tier.key !== key) };
}

/** A new tier below every other, taking every customer they leave: the editor then narrows it. */
function addTier(draft: Draft, key: string, name: string): DraftDocumentShape {
  const document = documentOf(draft);
  const lowest = Math.min(...document.tiers.map((tier) => tier.rank), 1);
  return { ...document, tiers: [...document.tiers, { key, name, rank: lowest - 1, conditions: { all: [] }, entitlements: [] }] };
}

function AddTier({ draft, onAdd }: { draft: Draft; onAdd: (key: string, name: string) => Promise<void> }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const taken = draft.tiers.some((tier) => tier.key === key);
  return (
    <form
      className="add-tier"
      onSubmit={(e) => {
        e.preventDefault();
        void onAdd(key.trim(), name.trim() || key.trim()).then(() => {
          setKey('');
          setName('');
        });
      }}
    >
      <h4>{t.addTier}</h4>
      <label>
        {t.tierKey}
        <input value={key} onChange={(e) => setKey(e.target.value)} />
      </label>
      <label>
        {t.tierName}
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <button disabled={!key.trim() || taken}>{t.addTier}</button>
      {taken && <span className="help"> {t.tierKeyTaken}</span>}
    </form>
  );
}
