import { useState, type FormEvent } from 'react';
import { messagesOf, request } from '../api';
import type { FactType } from '../conditions/fields';
import { SUMMARY_WORDS, displayValue } from '../conditions/summary';
import { DraftTestCaseAddDocument, DraftTestCaseRemoveDocument, type DraftQuery } from '../gql/graphql';
import { useI18n } from '../i18n';

type Draft = NonNullable<DraftQuery['ruleDraft']>;
type Fact = DraftQuery['factDefinitions'][number];

/** A fact value as typed in its input, as the catalog's type wants it. */
function typed(type: FactType, text: string): unknown {
  if (type === 'NUMBER') return text.trim() === '' ? text : Number(text);
  if (type === 'BOOLEAN') return text === 'true';
  if (type === 'STRING_LIST') return text.split(',').map((s) => s.trim()).filter(Boolean);
  return text;
}

/** The draft's examples: facts, the tier they must get and the tier they get; added and removed while editing. */
export function TestCases({ draft, facts, editable, onChanged }: { draft: Draft; facts: readonly Fact[]; editable: boolean; onChanged: (draft: Draft) => void }) {
  const { t, language, number } = useI18n();
  const [name, setName] = useState('');
  const [rows, setRows] = useState<{ key: string; text: string }[]>([{ key: facts[0]?.key ?? '', text: '' }]);
  const [expected, setExpected] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const typeOf = (key: string) => (facts.find((f) => f.key === key)?.type ?? 'STRING') as FactType;
  const results = new Map(draft.validation.testResults.map((r) => [r.name, r]));
  const shown = (v: unknown) => displayValue(v, SUMMARY_WORDS[language], number);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const testCase = { name, facts: Object.fromEntries(rows.filter((r) => r.key).map((r) => [r.key, typed(typeOf(r.key), r.text)])), expectedTierKey: expected || null };
    const { ruleDraftTestCaseAdd } = await request(DraftTestCaseAddDocument, { id: draft.id, revision: draft.revision, testCase });
    if (ruleDraftTestCaseAdd.userErrors.length) return setProblem(messagesOf(ruleDraftTestCaseAdd.userErrors));
    setProblem(null);
    setName('');
    if (ruleDraftTestCaseAdd.draft) onChanged(ruleDraftTestCaseAdd.draft);
  };
  const remove = async (caseName: string) => {
    const { ruleDraftTestCaseRemove } = await request(DraftTestCaseRemoveDocument, { id: draft.id, revision: draft.revision, name: caseName });
    if (ruleDraftTestCaseRemove.userErrors.length) return setProblem(messagesOf(ruleDraftTestCaseRemove.userErrors));
    if (ruleDraftTestCaseRemove.draft) onChanged(ruleDraftTestCaseRemove.draft);
  };
  const tierName = (key: string | null | undefined) => (key ? `${draft.tiers.find((tier) => tier.key === key)?.name ?? key} (${key})` : t.noTier);

  return (
    <section aria-labelledby="cases-title" className="test-cases">
      <h3 id="cases-title">{t.testCases}</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">{t.name}</th>
            <th scope="col">{t.facts}</th>
            <th scope="col">{t.expected}</th>
            <th scope="col">{t.actual}</th>
            <th scope="col">{t.result}</th>
            {editable && <th scope="col" />}
          </tr>
        </thead>
        <tbody>
          {draft.testCases.map((c) => {
            const result = results.get(c.name);
            return (
              <tr key={c.name} data-case={c.name} className={result?.passed ? 'pass' : 'fail'}>
                <td>{c.name}</td>
                <td>
                  {Object.entries(c.facts)
                    .map(([key, value]) => `${key}: ${shown(value)}`)
                    .join('; ')}
                </td>
                <td>{tierName(c.expectedTierKey)}</td>
                <td>{tierName(result?.actualTierKey)}</td>
                <td aria-label={result?.passed ? t.pass : t.fail}>{result?.passed ? '✓' : '✗'}</td>
                {editable && (
                  <td>
                    <button className="link" onClick={() => void remove(c.name)}>
                      {t.remove}
                    </button>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {editable && (
        <form className="case-form" onSubmit={(e) => void add(e)}>
          <label>
            {t.name}
            <input value={name} onChange={(e) => setName(e.target.value)} name="caseName" />
          </label>
          {rows.map((row, i) => (
            <span key={i} className="fact-row">
              <select aria-label={`${t.fact} ${i + 1}`} value={row.key} onChange={(e) => setRows(rows.map((r, j) => (j === i ? { key: e.target.value, text: '' } : r)))}>
                {facts.map((f) => (
                  <option key={f.key} value={f.key}>
                    {f.key}
                  </option>
                ))}
              </select>
              <input
                aria-label={`${t.value} ${i + 1}`}
                type={typeOf(row.key) === 'NUMBER' ? 'number' : typeOf(row.key) === 'DATE' ? 'date' : 'text'}
                value={row.text}
                onChange={(e) => setRows(rows.map((r, j) => (j === i ? { ...r, text: e.target.value } : r)))}
              />
            </span>
          ))}
          <button type="button" className="secondary" onClick={() => setRows([...rows, { key: facts[0]?.key ?? '', text: '' }])}>
            {t.addFact}
          </button>
          <label>
            {t.expected}
            <select value={expected} onChange={(e) => setExpected(e.target.value)} name="expectedTier">
              <option value="">{t.noTier}</option>
              {draft.tiers.map((tier) => (
                <option key={tier.key} value={tier.key}>
                  {tier.name} ({tier.key})
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={!name.trim()}>
            {t.addCase}
          </button>
          {problem && <span role="alert" className="notice">{problem}</span>}
        </form>
      )}
    </section>
  );
}
