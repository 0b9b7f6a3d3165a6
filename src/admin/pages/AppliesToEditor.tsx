import { useState } from 'react';
import type { RuleGroupType } from 'react-querybuilder';
import { toCondition, toQuery, type ConditionTree, type QueryGroup } from '../conditions/query';
import { SUMMARY_WORDS, summarize } from '../conditions/summary';
import type { DraftQuery } from '../gql/graphql';
import { useI18n } from '../i18n';
import { ConditionBuilder, canonical, problemsAt, type Draft } from './TierEditor';

/** Whom the program covers, in the same builder as the tiers; no condition at all covers everyone. */
export function AppliesToEditor({
  draft,
  facts,
  editable,
  onSave,
}: {
  draft: Draft;
  facts: DraftQuery['factDefinitions'];
  editable: boolean;
  onSave: (appliesTo: ConditionTree | null) => Promise<void>;
}) {
  const { t, language, number } = useI18n();
  const stored = ((draft.document as { appliesTo?: ConditionTree | null }).appliesTo ?? null) as ConditionTree | null;
  const [query, setQuery] = useState<RuleGroupType>(() => toQuery(stored ?? { all: [] }));
  const tree = toCondition(query as QueryGroup);
  const appliesTo = query.rules.length ? tree : null;
  const problems = problemsAt(draft.validation.errors, ['document', 'appliesTo'], null);
  const dirty = canonical(appliesTo) !== canonical(stored);
  return (
    <section aria-labelledby="applies-to-title" className="tier-editor applies-to">
      <header>
        <h3 id="applies-to-title">{t.coverageOfProgram}</h3>
      </header>
      <p className="summary">{appliesTo ? summarize(appliesTo, SUMMARY_WORDS[language], number) : t.everyCustomerCovered}</p>
      <ConditionBuilder facts={facts} query={query} onQueryChange={setQuery} problems={problems} editable={editable} />
      {problems
        .filter((p) => !p.conditionPath)
        .map((p) => (
          <p key={p.message} role="alert" className="notice">
            {p.message}
          </p>
        ))}
      {editable && (
        <div className="tier-actions">
          <button disabled={!dirty} onClick={() => void onSave(appliesTo)}>
            {t.saveAppliesTo}
          </button>
        </div>
      )}
    </section>
  );
}
