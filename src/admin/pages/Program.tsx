import { useEffect, useState } from 'react';
import { messagesOf, request } from '../api';
import type { ConditionTree } from '../conditions/query';
import { SUMMARY_WORDS, summarize } from '../conditions/summary';
import {
  DraftCreateDocument,
  OpenDraftsDocument,
  ProgramDocument,
  RetierJobProgressDocument,
  RuleSetRollbackDocument,
  VersionDiffDocument,
  type ProgramQuery,
  type VersionDiffQuery,
} from '../gql/graphql';
import { DiffList } from '../components/DiffList';
import { useI18n } from '../i18n';
import { Link, draftPath, navigate } from '../router';
import { useQuery } from '../use-query';

type Program = NonNullable<ProgramQuery['tierProgram']>;
type Job = NonNullable<Program['latestRetierJob']>;

/** A program: its ladder with each tier's rule in words and what it gives, its versions, and its latest re-tier job. */
export function ProgramPage({ programKey, roles, onSignInNeeded }: { programKey: string; roles: readonly string[]; onSignInNeeded: () => void }) {
  const canApprove = roles.includes('APPROVER');
  const { t } = useI18n();
  const { data, error, loading, reload } = useQuery(ProgramDocument, { key: programKey }, onSignInNeeded);
  const [job, setJob] = useState<Job | null>(null);
  const program = data?.tierProgram;
  useEffect(() => setJob(program?.latestRetierJob ?? null), [program]);

  if (loading && !data) return <p>{t.loading}</p>;
  if (error) return <p role="alert" className="notice">{error.message}</p>;
  if (!program) return <p role="alert" className="notice">{t.noSuchProgram}</p>;
  return (
    <section aria-labelledby="program-title">
      <p>
        <Link to="/admin/">← {t.programs}</Link>
      </p>
      <h2 id="program-title">{program.name}</h2>
      <p className="help">
        <span className="key">{program.key}</span> · {t.version} {program.publishedVersion ? `v${program.publishedVersion.version}` : t.notPublished}
        {program.retired && <span className="badge">{t.retired}</span>}
      </p>
      {program.description && <p>{program.description}</p>}
      {roles.includes('EDITOR') && <OpenDraft programKey={program.key} />}
      <Ladder program={program} />
      <RetierProgress job={job} onDone={reload} onSignInNeeded={onSignInNeeded} />
      <Versions program={program} canApprove={canApprove} onRolledBack={setJob} />
    </section>
  );
}

function Ladder({ program }: { program: Program }) {
  const { t, language, number } = useI18n();
  return (
    <section aria-labelledby="ladder-title">
      <h3 id="ladder-title">{t.ladder}</h3>
      <table className="ladder">
        <thead>
          <tr>
            <th scope="col">{t.rank}</th>
            <th scope="col">{t.tier}</th>
            <th scope="col">{t.rule}</th>
            <th scope="col">{t.entitlements}</th>
          </tr>
        </thead>
        <tbody>
          {program.tiers.map((tier) => (
            <tr key={tier.id} data-tier={tier.key}>
              <td className="number">{tier.rank}</td>
              <td>
                <strong>{tier.name}</strong> <span className="key">{tier.key}</span>
              </td>
              <td className="rule">{summarize(tier.conditions as ConditionTree, SUMMARY_WORDS[language], number)}</td>
              <td>
                <ul className="entitlements">
                  {tier.entitlements.map((e) => (
                    <li key={e.entitlement.key}>
                      {e.entitlement.name}: <strong>{e.typedValue.display}</strong>
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The latest re-tier job as a bar, polled until it is done. */
export function RetierProgress({ job, onDone, onSignInNeeded }: { job: Job | null; onDone: () => void; onSignInNeeded: () => void }) {
  const { t, number } = useI18n();
  const [current, setCurrent] = useState<Job | null>(job);
  useEffect(() => setCurrent(job), [job]);
  const open = current !== null && (current.status === 'PENDING' || current.status === 'RUNNING');
  useEffect(() => {
    if (!open || !current) return;
    const timer = setTimeout(() => {
      request(RetierJobProgressDocument, { id: current.id }).then(
        ({ retierJob }) => {
          if (!retierJob) return;
          setCurrent(retierJob);
          if (retierJob.status === 'DONE') onDone();
        },
        () => onSignInNeeded(),
      );
    }, 500);
    return () => clearTimeout(timer);
  }, [open, current, onDone, onSignInNeeded]);
  if (!current) return null;
  const share = current.total ? current.processed / current.total : current.status === 'DONE' ? 1 : 0;
  return (
    <section aria-labelledby="job-title" className="job">
      <h3 id="job-title">{t.retierJob}</h3>
      <p>
        v{current.version} · <span data-status={current.status}>{t.jobStatus[current.status]}</span> · {number(current.processed)} / {number(current.total)} {t.customers} ·{' '}
        {number(current.changed)} {t.changed}
      </p>
      <div className="progress" role="progressbar" aria-label={t.retierJob} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(share * 100)}>
        <span style={{ width: `${share * 100}%` }} />
      </div>
    </section>
  );
}

function Versions({ program, canApprove, onRolledBack }: { program: Program; canApprove: boolean; onRolledBack: (job: Job) => void }) {
  const { t, dateTime } = useI18n();
  const [problem, setProblem] = useState<string | null>(null);
  const versions = program.versionsConnection.edges.map((e) => e.node);
  const inForce = program.publishedVersion?.version;
  const rollBack = async (version: number) => {
    if (!window.confirm(t.rollbackConfirm(version, program.name))) return;
    try {
      const { ruleSetRollback } = await request(RuleSetRollbackDocument, { programKey: program.key, version });
      if (ruleSetRollback.userErrors.length) setProblem(messagesOf(ruleSetRollback.userErrors));
      else if (ruleSetRollback.retierJob) onRolledBack(ruleSetRollback.retierJob);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <section aria-labelledby="versions-title">
      <h3 id="versions-title">{t.versions}</h3>
      {problem && <p role="alert" className="notice">{problem}</p>}
      <ol className="versions" reversed>
        {versions.map((v) => (
          <li key={v.id} data-version={v.version}>
            <strong>v{v.version}</strong> {v.version === inForce && <span className="badge">{t.inForce}</span>} · {v.publishedAt ? dateTime(v.publishedAt) : ''} · {t.publishedBy}{' '}
            {v.publishedBy ?? '—'}
            {v.approvedBy && ` · ${t.approvedBy} ${v.approvedBy}`}
            {v.version > 1 && <VersionDiff programKey={program.key} from={v.version - 1} to={v.version} />}
            {canApprove && v.version !== inForce && (
              <button className="secondary" onClick={() => void rollBack(v.version)}>
                {t.rollbackTo(v.version)}
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** What changed from one version to the next, old values struck through. */
function VersionDiff({ programKey, from, to }: { programKey: string; from: number; to: number }) {
  const { t } = useI18n();
  const [diff, setDiff] = useState<VersionDiffQuery['ruleSetDiff'] | null>(null);
  const [open, setOpen] = useState(false);
  const toggle = () => {
    setOpen(!open);
    if (!diff) void request(VersionDiffDocument, { programKey, from, to }).then((data) => setDiff(data.ruleSetDiff));
  };
  return (
    <div className="diff">
      <button className="link" aria-expanded={open} onClick={toggle}>
        {t.diffTo(from)}
      </button>
      {open && diff && <DiffList diff={diff} />}
    </div>
  );
}

/** Opens a draft of the version in force, or goes to the one already open (a program has one at a time). */
function OpenDraft({ programKey }: { programKey: string }) {
  const { t } = useI18n();
  const [problem, setProblem] = useState<string | null>(null);
  const open = async () => {
    const existing = (await request(OpenDraftsDocument, { programKey })).ruleDrafts[0];
    if (existing) return navigate(draftPath(existing.id));
    const { ruleDraftCreate } = await request(DraftCreateDocument, { programKey });
    if (ruleDraftCreate.draft) navigate(draftPath(ruleDraftCreate.draft.id));
    else setProblem(messagesOf(ruleDraftCreate.userErrors));
  };
  return (
    <p>
      <button onClick={() => void open().catch((e: Error) => setProblem(e.message))}>{t.openDraft}</button>
      {problem && <span role="alert" className="notice">{problem}</span>}
    </p>
  );
}
