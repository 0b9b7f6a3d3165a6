import { useState } from 'react';
import { request } from '../api';
import { Field, messagesAt, unplaced, type FieldError } from '../components/Field';
import { CatalogsDocument, EntitlementDefineDocument, FactDefineDocument, type Better, type EntitlementValueType, type FactType } from '../gql/graphql';
import { useI18n } from '../i18n';
import { useQuery } from '../use-query';

const FACT_TYPES: FactType[] = ['NUMBER', 'STRING', 'BOOLEAN', 'DATE', 'STRING_LIST'];
const VALUE_TYPES: EntitlementValueType[] = ['BOOLEAN', 'NUMBER', 'STRING'];

/** The facts rules may test and the entitlements tiers may give; an EDITOR adds to or amends them. */
export function Catalogs({ roles, onSignInNeeded }: { roles: readonly string[]; onSignInNeeded: () => void }) {
  const { t } = useI18n();
  const { data, error, loading, reload } = useQuery(CatalogsDocument, {}, onSignInNeeded);
  const editable = roles.includes('EDITOR');
  return (
    <section aria-labelledby="catalogs-title">
      <h2 id="catalogs-title">{t.catalogs}</h2>
      <p className="help">{t.catalogsHelp}</p>
      {loading && !data && <p>{t.loading}</p>}
      {error && <p role="alert" className="notice">{error.message}</p>}
      {data && (
        <div className="catalogs">
          <section aria-labelledby="facts-title" className="catalog">
            <h3 id="facts-title">{t.facts}</h3>
            <table>
              <thead>
                <tr>
                  <th>{t.catalogKey}</th>
                  <th>{t.type}</th>
                  <th>{t.unit}</th>
                  <th>{t.description}</th>
                </tr>
              </thead>
              <tbody>
                {data.factDefinitions.map((f) => (
                  <tr key={f.key} data-fact={f.key}>
                    <td className="key">{f.key}</td>
                    <td>{t.factTypes[f.type]}</td>
                    <td>{f.unit ?? ''}</td>
                    <td>{f.description ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {editable && <FactForm onDefined={reload} />}
          </section>
          <section aria-labelledby="entitlements-title" className="catalog">
            <h3 id="entitlements-title">{t.entitlementsCatalog}</h3>
            <table>
              <thead>
                <tr>
                  <th>{t.catalogKey}</th>
                  <th>{t.name}</th>
                  <th>{t.type}</th>
                  <th>{t.better}</th>
                  <th>{t.unit}</th>
                  <th>{t.description}</th>
                </tr>
              </thead>
              <tbody>
                {data.entitlementDefinitions.map((e) => (
                  <tr key={e.key} data-entitlement={e.key}>
                    <td className="key">{e.key}</td>
                    <td>{e.name}</td>
                    <td>{t.factTypes[e.valueType]}</td>
                    <td>{e.better ? t.betterWords[e.better] : ''}</td>
                    <td>{e.unit ?? ''}</td>
                    <td>{e.description ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {editable && <EntitlementForm onDefined={reload} />}
          </section>
        </div>
      )}
    </section>
  );
}

/** A define form's shared part: its fields' problems, the rest above the button, a note once saved. */
function useDefine() {
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const run = async (call: () => Promise<{ key: string | null; userErrors: FieldError[] }>) => {
    setSaved(null);
    try {
      const { key, userErrors } = await call();
      setErrors(userErrors);
      if (key) setSaved(key);
      return userErrors.length === 0;
    } catch (e) {
      setErrors([{ field: null, message: (e as Error).message }]);
      return false;
    }
  };
  return { errors, saved, run, at: (name: string) => messagesAt(errors, ['input', name]) };
}

function FactForm({ onDefined }: { onDefined: () => void }) {
  const { t } = useI18n();
  const [fact, setFact] = useState({ key: '', type: 'NUMBER' as FactType, unit: '', description: '' });
  const { errors, saved, run, at } = useDefine();
  const submit = async () => {
    const ok = await run(async () => {
      const { factDefine } = await request(FactDefineDocument, { input: { key: fact.key.trim(), type: fact.type, unit: fact.unit.trim() || null, description: fact.description.trim() || null } });
      return { key: factDefine.fact?.key ?? null, userErrors: factDefine.userErrors };
    });
    if (ok) onDefined();
  };
  return (
    <form className="define" aria-label={t.defineFact} onSubmit={(e) => (e.preventDefault(), void submit())}>
      <h4>{t.defineFact}</h4>
      <Field label={t.catalogKey} problems={at('key')}>
        <input value={fact.key} onChange={(e) => setFact({ ...fact, key: e.target.value })} />
      </Field>
      <Field label={t.type} problems={at('type')}>
        <select value={fact.type} onChange={(e) => setFact({ ...fact, type: e.target.value as FactType })}>
          {FACT_TYPES.map((type) => (
            <option key={type} value={type}>
              {t.factTypes[type]}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t.unit} problems={at('unit')}>
        <input value={fact.unit} onChange={(e) => setFact({ ...fact, unit: e.target.value })} />
      </Field>
      <Field label={t.description} problems={at('description')}>
        <input value={fact.description} onChange={(e) => setFact({ ...fact, description: e.target.value })} />
      </Field>
      <Outcome errors={errors} saved={saved} fields={['key', 'type', 'unit', 'description']} />
      <button>{t.define}</button>
    </form>
  );
}

function EntitlementForm({ onDefined }: { onDefined: () => void }) {
  const { t } = useI18n();
  const [entitlement, setEntitlement] = useState({ key: '', name: '', valueType: 'BOOLEAN' as EntitlementValueType, better: '' as Better | '', unit: '', description: '' });
  const { errors, saved, run, at } = useDefine();
  const submit = async () => {
    const ok = await run(async () => {
      const { entitlementDefine } = await request(EntitlementDefineDocument, {
        input: {
          key: entitlement.key.trim(),
          name: entitlement.name.trim(),
          valueType: entitlement.valueType,
          better: entitlement.better || null,
          unit: entitlement.unit.trim() || null,
          description: entitlement.description.trim() || null,
        },
      });
      return { key: entitlementDefine.entitlement?.key ?? null, userErrors: entitlementDefine.userErrors };
    });
    if (ok) onDefined();
  };
  return (
    <form className="define" aria-label={t.defineEntitlement} onSubmit={(e) => (e.preventDefault(), void submit())}>
      <h4>{t.defineEntitlement}</h4>
      <Field label={t.catalogKey} problems={at('key')}>
        <input value={entitlement.key} onChange={(e) => setEntitlement({ ...entitlement, key: e.target.value })} />
      </Field>
      <Field label={t.name} problems={at('name')}>
        <input value={entitlement.name} onChange={(e) => setEntitlement({ ...entitlement, name: e.target.value })} />
      </Field>
      <Field label={t.type} problems={at('valueType')}>
        <select value={entitlement.valueType} onChange={(e) => setEntitlement({ ...entitlement, valueType: e.target.value as EntitlementValueType })}>
          {VALUE_TYPES.map((type) => (
            <option key={type} value={type}>
              {t.factTypes[type]}
            </option>
          ))}
        </select>
      </Field>
      {entitlement.valueType === 'NUMBER' && (
        <Field label={t.better} problems={at('better')}>
          <select value={entitlement.better} onChange={(e) => setEntitlement({ ...entitlement, better: e.target.value as Better | '' })}>
            <option value="">{t.betterWords.HIGHER}</option>
            <option value="LOWER">{t.betterWords.LOWER}</option>
          </select>
        </Field>
      )}
      <Field label={t.unit} problems={at('unit')}>
        <input value={entitlement.unit} onChange={(e) => setEntitlement({ ...entitlement, unit: e.target.value })} />
      </Field>
      <Field label={t.description} problems={at('description')}>
        <input value={entitlement.description} onChange={(e) => setEntitlement({ ...entitlement, description: e.target.value })} />
      </Field>
      <Outcome errors={errors} saved={saved} fields={['key', 'name', 'valueType', 'better', 'unit', 'description']} />
      <button>{t.define}</button>
    </form>
  );
}

function Outcome({ errors, saved, fields }: { errors: FieldError[]; saved: string | null; fields: string[] }) {
  const { t } = useI18n();
  return (
    <>
      {unplaced(errors, fields.map((f) => ['input', f])).map((e) => (
        <p key={e.message} role="alert" className="notice">
          {e.message}
        </p>
      ))}
      {saved && (
        <p className="saved" role="status">
          {t.definedKey(saved)}
        </p>
      )}
    </>
  );
}
