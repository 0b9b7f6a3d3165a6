import { useCallback, useMemo, useState } from 'react';
import QueryBuilder, { Rule, findPath, type Field, type RuleGroupType, type RuleGroupTypeAny, type RuleProps, type ValidationMap } from 'react-querybuilder';
import 'react-querybuilder/dist/query-builder.css';
import { request } from '../api';
import { ConditionValueEditor } from '../components/ListValueEditor';
import { fieldsOf, type FactType } from '../conditions/fields';
import { queryPathOf, toCondition, toQuery, type ConditionTree, type QueryGroup } from '../conditions/query';
import { SUMMARY_WORDS, displayValue, summarize } from '../conditions/summary';
import { DraftTierUpdateDocument, type DraftQuery } from '../gql/graphql';
import { useI18n } from '../i18n';

export type Draft = NonNullable<DraftQuery['ruleDraft']>;
type DraftTier = Draft['tiers'][number];
type Catalog = Pick<DraftQuery, 'factDefinitions' | 'entitlementDefinitions'>;
type EntitlementValue = { key: string; value: unknown };

/** One problem placed on a condition tree's owner: the path inside the tree, or null for the owner itself. */
export interface TierProblem {
  conditionPath: string[] | null;
  message: string;
}

/**
 * The problems whose field starts with `prefix` (["tier"] for a save's answer,
 * ["document", "tiers", "2"] or ["document", "appliesTo"] for the draft's validation). The
 * rest of the path names a condition when it goes on into `conditionsKey`, or at once when
 * the prefix is the tree itself (`conditionsKey` null).
 */
export function problemsAt(errors: readonly { field: readonly string[] | null; message: string }[], prefix: readonly string[], conditionsKey: string | null): TierProblem[] {
  return errors.flatMap(({ field, message }) => {
    const path = field ?? [];
    if (!prefix.every((step, i) => path[i] === step)) return [];
    const rest = path.slice(prefix.length);
    const conditionPath = conditionsKey === null ? (rest.length ? rest : null) : rest[0] === conditionsKey ? rest.slice(1) : null;
    return [{ conditionPath, message }];
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

/**
 * A condition tree in react-querybuilder: facts from the catalog with type and unit,
 * operators and inputs by type, each problem the API names shown at the rule it names.
 */
export function ConditionBuilder({
  facts,
  query,
  onQueryChange,
  problems,
  editable,
}: {
  facts: Catalog['factDefinitions'];
  query: RuleGroupType;
  onQueryChange: (query: RuleGroupType) => void;
  problems: readonly TierProblem[];
  editable: boolean;
}) {
  const { t, language } = useI18n();
  const words = SUMMARY_WORDS[language];
  const fields: Field[] = useMemo(() => fieldsOf(facts.map((f) => ({ ...f, type: f.type as FactType })), words, t.factTypes), [facts, words, t]);
  const translations = useMemo(
    () => ({
      addRule: { label: t.builderAddRule, title: t.builderAddRule },
      addGroup: { label: t.builderAddGroup, title: t.builderAddGroup },
      removeRule: { label: '×', title: t.builderRemove },
      removeGroup: { label: '×', title: t.builderRemove },
      notToggle: { label: t.builderNot, title: t.builderNot },
      fields: { title: t.fact },
      operators: { title: t.builderOperator },
      value: { title: t.value },
      combinators: { title: t.builderCombinator },
    }),
    [t],
  );
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
  return (
    <QueryBuilder
      fields={fields}
      query={query}
      onQueryChange={onQueryChange}
      showNotToggle
      listsAsArrays
      parseNumbers="strict-limited"
      validator={validator}
      disabled={!editable}
      controlElements={{ rule: RuleWithProblem, valueEditor: ConditionValueEditor }}
      combinators={[
        { name: 'and', value: 'and', label: t.all },
        { name: 'or', value: 'or', label: t.any },
      ]}
      translations={translations}
    />
  );
}

/** Where a tier sits in the ladder, for the move buttons: the draft page does the moving. */
export interface TierPlace {
  first: boolean;
  last: boolean;
  onMove: (direction: 1 | -1) => void;
  onRemove: () => void;
}

/**
 * One tier of a draft: its name, key and entitlements as fields, its conditions in the
 * visual builder, each problem the API names at the rule it names; saved as one tier.
 */
export function TierEditor({
  draft,
  tier,
  index,
  catalog,
  editable,
  jsonEditable,
  place,
  onSaved,
  onStale,
}: {
  draft: Draft;
  tier: DraftTier;
  index: number;
  catalog: Catalog;
  editable: boolean;
  jsonEditable: boolean;
  place: TierPlace;
  onSaved: (draft: Draft) => void;
  onStale: () => void;
}) {
  const { t, language, number } = useI18n();
  const words = SUMMARY_WORDS[language];
  const [query, setQuery] = useState<RuleGroupType>(() => toQuery(tier.conditions as ConditionTree));
  const [name, setName] = useState(tier.name);
  const [key, setKey] = useState(tier.key);
  const [entitlements, setEntitlements] = useState<EntitlementValue[]>(() => tier.entitlements.map((e) => ({ key: e.key, value: e.value })));
  const [isProtected, setProtected] = useState(tier.protected);
  const [minimumStayDays, setMinimumStayDays] = useState(tier.minimumStayDays);
  const [saveProblems, setSaveProblems] = useState<TierProblem[]>([]);
  const [conflict, setConflict] = useState<string | null>(null);
  const [showJson, setShowJson] = useState(false);
  const conditions = toCondition(query as QueryGroup);
  const dirty =
    canonical(conditions) !== canonical(tier.conditions) ||
    name !== tier.name ||
    key !== tier.key ||
    isProtected !== tier.protected ||
    minimumStayDays !== tier.minimumStayDays ||
    canonical(entitlements) !== canonical(tier.entitlements.map((e) => ({ key: e.key, value: e.value })));
  const problems = saveProblems.length ? saveProblems : problemsAt(draft.validation.errors, ['document', 'tiers', String(index)], 'conditions');

  const save = async () => {
    setConflict(null);
    const input = { key, name, rank: tier.rank, conditions, entitlements, protected: isProtected, minimumStayDays };
    const { ruleDraftTierUpdate } = await request(DraftTierUpdateDocument, { id: draft.id, revision: draft.revision, tierKey: tier.key, tier: input });
    const stale = ruleDraftTierUpdate.userErrors.find((e) => e.code === 'CONFLICT' && e.field?.[0] === 'revision');
    if (stale) {
      setConflict(stale.message);
      onStale();
      return;
    }
    setSaveProblems(problemsAt(ruleDraftTierUpdate.userErrors, ['tier'], 'conditions'));
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
        {editable && (
          <span className="tier-moves">
            <button className="secondary" disabled={place.first} aria-label={t.moveUp(tier.key)} onClick={() => place.onMove(1)}>
              ↑
            </button>
            <button className="secondary" disabled={place.last} aria-label={t.moveDown(tier.key)} onClick={() => place.onMove(-1)}>
              ↓
            </button>
            <button className="secondary" onClick={place.onRemove}>
              {t.removeTier}
            </button>
          </span>
        )}
      </header>
      {editable && (
        <div className="tier-fields">
          <label>
            {t.tierName}
            <input value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            {t.tierKey}
            <input value={key} onChange={(e) => setKey(e.target.value)} />
          </label>
          <label className="check">
            <input type="checkbox" checked={isProtected} onChange={(e) => setProtected(e.target.checked)} />
            {t.tierProtected}
          </label>
          <label>
            {t.minimumStayDays}
            <input type="number" min={0} max={3650} value={minimumStayDays} onChange={(e) => setMinimumStayDays(Number(e.target.value))} />
          </label>
        </div>
      )}
      {!editable && (isProtected || minimumStayDays > 0) && (
        <p className="help">
          {[isProtected ? t.tierProtected : null, minimumStayDays ? `${t.minimumStayDays}: ${minimumStayDays}` : null].filter(Boolean).join(' · ')}
        </p>
      )}
      <EntitlementsEditor catalog={catalog.entitlementDefinitions} values={entitlements} editable={editable} onChange={setEntitlements} />
      <p className="summary">{summarize(conditions, words, number)}</p>
      <ConditionBuilder facts={catalog.factDefinitions} query={query} onQueryChange={setQuery} problems={problems} editable={editable} />
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
      {showJson && (jsonEditable && editable ? <JsonEditor conditions={conditions} onApply={(tree) => setQuery(toQuery(tree))} /> : <pre className="json">{JSON.stringify(conditions, null, 2)}</pre>)}
    </section>
  );
}

/** The raw conditions for an ADMIN: edited as text, applied to the builder once it parses as a condition tree. */
function JsonEditor({ conditions, onApply }: { conditions: ConditionTree; onApply: (tree: ConditionTree) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(() => JSON.stringify(conditions, null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  const apply = () => {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !['all', 'any', 'not'].some((k) => k in parsed)) {
        setProblem(t.jsonNotATree);
        return;
      }
      setProblem(null);
      onApply(parsed as ConditionTree);
    } catch (e) {
      setProblem(`${t.jsonInvalid} ${(e as Error).message}`);
    }
  };
  return (
    <div className="json-editor">
      <textarea aria-label={t.jsonConditions} className="json" rows={Math.min(20, text.split('\n').length + 1)} value={text} onChange={(e) => setText(e.target.value)} />
      <button className="secondary" onClick={apply}>
        {t.applyJson}
      </button>
      {problem && (
        <p role="alert" className="notice">
          {problem}
        </p>
      )}
    </div>
  );
}

/** A tier's entitlements: each a catalog entry and a value of its type. */
function EntitlementsEditor({
  catalog,
  values,
  editable,
  onChange,
}: {
  catalog: Catalog['entitlementDefinitions'];
  values: EntitlementValue[];
  editable: boolean;
  onChange: (values: EntitlementValue[]) => void;
}) {
  const { t, language, number } = useI18n();
  const [adding, setAdding] = useState('');
  const unused = catalog.filter((d) => !values.some((v) => v.key === d.key));
  const set = (i: number, value: unknown) => onChange(values.map((v, j) => (j === i ? { ...v, value } : v)));
  const add = () => {
    const definition = catalog.find((d) => d.key === adding);
    if (!definition) return;
    onChange([...values, { key: definition.key, value: definition.valueType === 'BOOLEAN' ? true : definition.valueType === 'NUMBER' ? 0 : '' }]);
    setAdding('');
  };
  return (
    <div className="tier-entitlements">
      <h4>{t.entitlements}</h4>
      {values.length === 0 && <p className="help">{t.noEntitlements}</p>}
      <ul>
        {values.map((v, i) => {
          const definition = catalog.find((d) => d.key === v.key);
          const label = definition ? `${definition.name} (${v.key})` : v.key;
          return (
            <li key={v.key} data-entitlement={v.key}>
              <span className="entitlement-name">{label}</span>{' '}
              {!editable ? (
                <strong>{displayValue(v.value, SUMMARY_WORDS[language], number)}</strong>
              ) : definition?.valueType === 'BOOLEAN' ? (
                <input type="checkbox" aria-label={label} checked={v.value === true} onChange={(e) => set(i, e.target.checked)} />
              ) : (
                <input
                  aria-label={label}
                  type={definition?.valueType === 'NUMBER' ? 'number' : 'text'}
                  value={String(v.value ?? '')}
                  onChange={(e) => set(i, definition?.valueType === 'NUMBER' && e.target.value !== '' ? Number(e.target.value) : e.target.value)}
                />
              )}
              {definition?.unit && <span className="help"> {definition.unit}</span>}
              {editable && (
                <button className="link" onClick={() => onChange(values.filter((_, j) => j !== i))}>
                  {t.remove}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {editable && unused.length > 0 && (
        <span className="add-entitlement">
          <select aria-label={t.addEntitlement} value={adding} onChange={(e) => setAdding(e.target.value)}>
            <option value="">{t.addEntitlement}…</option>
            {unused.map((d) => (
              <option key={d.key} value={d.key}>
                {d.name} ({d.key})
              </option>
            ))}
          </select>
          <button className="secondary" disabled={!adding} onClick={add}>
            {t.add}
          </button>
        </span>
      )}
    </div>
  );
}

/** JSON with keys sorted: PostgreSQL's jsonb answers keys in its own order, the editor in its own. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
