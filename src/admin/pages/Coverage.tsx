import { describeRange, numberLine, type NumberRange } from '../conditions/number-line';
import type { DraftQuery } from '../gql/graphql';
import { useI18n } from '../i18n';
import { tierColour } from '../palette';

type Draft = NonNullable<DraftQuery['ruleDraft']>;
type FactCoverage = Draft['validation']['coverage'][number];

/** Per numeric fact, a number line: a row of bands per tier, and the gaps no tier accepts in red. */
export function CoverageLines({ draft }: { draft: Draft }) {
  const { t } = useI18n();
  const { coverage } = draft.validation;
  if (coverage.length === 0) return null;
  return (
    <section aria-labelledby="coverage-title" className="coverage">
      <h3 id="coverage-title">{t.coverage}</h3>
      <p className="help">{t.coverageHelp}</p>
      {coverage.map((fact) => (
        <FactLine key={fact.fact} fact={fact} tierName={(key) => draft.tiers.find((tier) => tier.key === key)?.name ?? key} />
      ))}
    </section>
  );
}

function FactLine({ fact, tierName }: { fact: FactCoverage; tierName: (key: string) => string }) {
  const { t, number } = useI18n();
  const all: NumberRange[] = [...fact.domain, ...fact.gaps, ...fact.tiers.flatMap((tier) => tier.accepts)];
  const line = numberLine(all);
  const say = (range: NumberRange) => describeRange(range, number, t.and);
  const row = (label: string, ranges: readonly NumberRange[], kind: 'tier' | 'gap', key: string, colour?: string) => (
    <div className={`line-row ${kind}`} key={key} data-tier={kind === 'tier' ? key : undefined}>
      <span className="line-label">{label}</span>
      <span className="track">
        {ranges.map((range) => {
          const { left, width } = line.band(range);
          const words = say(range);
          return (
            <span
              key={words}
              className="band"
              data-gap={kind === 'gap' ? words : undefined}
              title={`${label}: ${words}`}
              style={{ left: `${left}%`, width: `${Math.max(width, 0.8)}%`, background: colour }}
            />
          );
        })}
      </span>
    </div>
  );
  return (
    <figure className="number-line" data-fact={fact.fact} aria-label={`${fact.fact}: ${fact.gaps.length ? `${t.gapsAt} ${fact.gaps.map(say).join('; ')}` : t.noGaps}`}>
      <figcaption>
        <span className="key">{fact.fact}</span>{' '}
        {fact.gaps.length ? (
          <span className="gap-words">
            {t.gapsAt} {fact.gaps.map(say).join('; ')}
          </span>
        ) : (
          <span className="help">{t.noGaps}</span>
        )}
      </figcaption>
      {fact.tiers.map((tier, i) => row(tierName(tier.tierKey), tier.accepts, 'tier', tier.tierKey, tierColour(i, tier.tierKey)))}
      {fact.gaps.length > 0 && row(t.noTier, fact.gaps, 'gap', '-')}
      <div className="line-row axis">
        <span className="line-label" />
        <span className="track">
          {line.ticks.map((tick) => (
            <span key={tick.value} className="tick" style={{ left: `${tick.at}%` }}>
              {number(tick.value)}
            </span>
          ))}
        </span>
      </div>
    </figure>
  );
}
