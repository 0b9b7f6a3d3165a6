import { useState } from 'react';
import { Field, messagesAt } from '../components/Field';
import { useI18n } from '../i18n';
import { canonical, type Draft } from './TierEditor';

export interface TimePolicy {
  downgrade: 'IMMEDIATE' | 'REVIEW';
  review?: 'MONTH' | 'QUARTER' | 'YEAR' | 'ANNIVERSARY';
  graceDays?: number;
  steps?: 'TO_VERDICT' | 'ONE';
  timeZone?: string;
}

const REVIEWS = ['MONTH', 'QUARTER', 'YEAR', 'ANNIVERSARY'] as const;
const DEFAULT_ZONE = 'Asia/Shanghai';
/** The zones this browser knows, offered as the field is typed in (the API checks the name either way). */
const ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');

/** The policy as the document stores it: only what differs from the defaults; null for none at all. */
function written(policy: TimePolicy): TimePolicy | null {
  const out: TimePolicy = { downgrade: policy.downgrade };
  if (policy.downgrade === 'REVIEW') out.review = policy.review ?? 'YEAR';
  if (policy.graceDays) out.graceDays = policy.graceDays;
  if (policy.steps === 'ONE') out.steps = 'ONE';
  if (policy.timeZone && policy.timeZone !== DEFAULT_ZONE) out.timeZone = policy.timeZone;
  return out.downgrade === 'IMMEDIATE' && !out.graceDays && !out.steps && !out.timeZone ? null : out;
}

/** When the program's downgrades take effect: at once, or at a review, after grace, one step at a time. */
export function TimePolicyEditor({ draft, editable, onSave }: { draft: Draft; editable: boolean; onSave: (policy: TimePolicy | null) => Promise<void> }) {
  const { t } = useI18n();
  const stored = ((draft.document as { timePolicy?: TimePolicy | null }).timePolicy ?? null) as TimePolicy | null;
  const [policy, setPolicy] = useState<TimePolicy>(stored ?? { downgrade: 'IMMEDIATE' });
  const problems = (path: string) => messagesAt(draft.validation.errors, ['document', 'timePolicy', path]);
  const next = written(policy);
  const dirty = canonical(next) !== canonical(stored);
  const set = (change: Partial<TimePolicy>) => setPolicy((p) => ({ ...p, ...change }));
  return (
    <section aria-labelledby="time-policy-title" className="tier-editor time-policy">
      <header>
        <h3 id="time-policy-title">{t.timePolicy}</h3>
      </header>
      <p className="summary">{summary(next, t)}</p>
      <fieldset disabled={!editable}>
        <Field label={t.downgrades} problems={problems('downgrade')}>
          <select aria-label={t.downgrades} value={policy.downgrade} onChange={(e) => set({ downgrade: e.target.value as TimePolicy['downgrade'] })}>
            <option value="IMMEDIATE">{t.downgradeImmediate}</option>
            <option value="REVIEW">{t.downgradeAtReview}</option>
          </select>
        </Field>
        {policy.downgrade === 'REVIEW' && (
          <Field label={t.reviewPeriod} problems={problems('review')}>
            <select aria-label={t.reviewPeriod} value={policy.review ?? 'YEAR'} onChange={(e) => set({ review: e.target.value as TimePolicy['review'] })}>
              {REVIEWS.map((r) => (
                <option key={r} value={r}>
                  {t.reviewPeriods[r]}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field label={t.graceDays} problems={problems('graceDays')}>
          <input type="number" min={0} max={3650} value={policy.graceDays ?? 0} onChange={(e) => set({ graceDays: Number(e.target.value) })} />
        </Field>
        <Field label={t.downgradeSteps} problems={problems('steps')}>
          <select aria-label={t.downgradeSteps} value={policy.steps ?? 'TO_VERDICT'} onChange={(e) => set({ steps: e.target.value as TimePolicy['steps'] })}>
            <option value="TO_VERDICT">{t.stepsToVerdict}</option>
            <option value="ONE">{t.stepsOne}</option>
          </select>
        </Field>
        <Field label={t.timeZone} problems={problems('timeZone')}>
          <input list="time-zones" value={policy.timeZone ?? DEFAULT_ZONE} onChange={(e) => set({ timeZone: e.target.value })} />
          <datalist id="time-zones">
            {ZONES.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </Field>
      </fieldset>
      {editable && (
        <div className="tier-actions">
          <button disabled={!dirty} onClick={() => void onSave(next)}>
            {t.saveTimePolicy}
          </button>
        </div>
      )}
    </section>
  );
}

function summary(policy: TimePolicy | null, t: ReturnType<typeof useI18n>['t']): string {
  if (!policy) return t.policyNone;
  const when = policy.downgrade === 'REVIEW' ? t.policyAtReview(t.reviewPeriods[policy.review ?? 'YEAR']) : t.policyAtOnce;
  const grace = policy.graceDays ? t.policyGrace(policy.graceDays) : '';
  const steps = policy.steps === 'ONE' ? t.policyOneStep : '';
  return [t.policyUpgrades, when + grace + steps].join(' ');
}
