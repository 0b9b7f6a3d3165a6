import { ProgramsDocument, type ProgramsQuery } from '../gql/graphql';
import { useI18n } from '../i18n';
import { tierColour } from '../palette';
import { Link, programPath } from '../router';
import { useQuery } from '../use-query';
import { ProgramCreate } from './ProgramCreate';

type Program = ProgramsQuery['tierPrograms'][number];

/** Every program with its tier distribution: a bar of shares, then the counts. */
export function Programs({ roles, onSignInNeeded }: { roles: readonly string[]; onSignInNeeded: () => void }) {
  const { t } = useI18n();
  const { data, error, loading, reload } = useQuery(ProgramsDocument, {}, onSignInNeeded);
  return (
    <section aria-labelledby="programs-title">
      <h2 id="programs-title">{t.programs}</h2>
      <p className="help">{t.programsHelp}</p>
      {roles.includes('EDITOR') && <ProgramCreate />}
      {loading && !data && <p>{t.loading}</p>}
      {error && (
        <p role="alert" className="notice">
          {error.message} <button onClick={reload}>{t.retry}</button>
        </p>
      )}
      <div className="programs">
        {data?.tierPrograms.map((program) => <ProgramCard key={program.id} program={program} />)}
      </div>
    </section>
  );
}

/** Tiers highest rank first, then those with no tier. */
export function distributionRows(program: Program) {
  const rank = (row: Program['distribution'][number]) => row.tier?.rank ?? Number.NEGATIVE_INFINITY;
  return [...program.distribution].sort((a, b) => rank(b) - rank(a));
}

function ProgramCard({ program }: { program: Program }) {
  const { t, number, percent } = useI18n();
  const rows = distributionRows(program);
  const total = rows.reduce((n, row) => n + row.count, 0);
  return (
    <article className="program" aria-label={program.name} data-program={program.key}>
      <header>
        <h3>
          <Link to={programPath(program.key)}>{program.name}</Link>
        </h3>
        <span className="key">{program.key}</span>
        {program.retired && <span className="badge">{t.retired}</span>}
      </header>
      <p className="meta">
        {t.version} {program.publishedVersion ? `v${program.publishedVersion.version}` : t.notPublished} · {number(total)} {t.customers}
      </p>
      <div className="bar" role="img" aria-label={rows.map((r) => `${r.tier?.name ?? t.noTier} ${percent(r.share)}`).join(', ')}>
        {rows.map((row, i) => (
          <span key={row.tierKey ?? '-'} className="segment" style={{ width: `${row.share * 100}%`, background: tierColour(i, row.tierKey) }} title={`${row.tier?.name ?? t.noTier}: ${number(row.count)}`} />
        ))}
      </div>
      <table>
        <thead>
          <tr>
            <th scope="col">{t.tier}</th>
            <th scope="col" className="number">{t.count}</th>
            <th scope="col" className="number">{t.share}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={row.tierKey ?? '-'} data-tier={row.tierKey ?? ''}>
              <td>
                <span className="swatch" style={{ background: tierColour(i, row.tierKey) }} />
                {row.tierKey ? `${row.tier?.name ?? row.tierKey} (${row.tierKey})` : t.noTier}
              </td>
              <td className="number">{number(row.count)}</td>
              <td className="number">{percent(row.share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}
