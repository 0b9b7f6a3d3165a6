import { useEffect, useState } from 'react';
import { request } from '../api';
import { DraftImpactDocument, type DraftImpactQuery } from '../gql/graphql';
import { SUMMARY_WORDS, displayValue } from '../conditions/summary';
import { useI18n } from '../i18n';
import { Link, customerPath } from '../router';

type Simulation = DraftImpactQuery['ruleDraftSimulate'];
type Movement = Simulation['movements'][number];

/** A row or column of the matrix: a tier, no tier, or outside the program. */
interface Axis {
  id: string;
  label: string;
  rank: number;
}

const NOT_COVERED = '∅';
const NO_TIER = '-';

/** A simulation asked for before the page could render, by the draft it is for. */
const early = new Map<string, Promise<Simulation | null>>();

/**
 * Starts a draft's simulation as the console loads, beside the sign-in check rather than
 * after it: it is the slowest answer the draft page waits for. A refusal is left to the
 * sign-in check, and the matrix then asks again.
 */
export function simulateEarly(draftId: string): void {
  early.set(draftId, request(DraftImpactDocument, { id: draftId }).then((data) => data.ruleDraftSimulate, () => null));
}

/** The simulation for the draft: the early one once, if it succeeded, else a request of its own. */
async function simulationOf(draftId: string, first: boolean): Promise<Simulation> {
  const started = first ? early.get(draftId) : undefined;
  early.delete(draftId);
  return (await started) ?? (await request(DraftImpactDocument, { id: draftId })).ruleDraftSimulate;
}

/**
 * The impact preview as a from-tier × to-tier matrix: counts and shares of every
 * customer, the cells off the diagonal coloured by how many move, each cell's
 * entitlements gained and lost and a few of its customers. Asked for as the page opens,
 * beside the draft itself, and again after each save (`saves`).
 */
export function ImpactMatrix({ draftId, saves, draftTiers }: { draftId: string; saves: number; draftTiers: readonly { key: string; name: string; rank: number }[] }) {
  const { t, number, percent } = useI18n();
  const [simulation, setSimulation] = useState<Simulation | null>(null);
  // Which save the matrix on screen was simulated for (a benchmark and the tests wait on it).
  const [shownFor, setShownFor] = useState<number | null>(null);
  const [selected, setSelected] = useState<Movement | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setSelected(null);
    simulationOf(draftId, saves === 0).then(
      (simulated) => {
        if (!current) return;
        setSimulation(simulated);
        setShownFor(saves);
      },
      (error: Error) => current && setProblem(error.message),
    );
    return () => {
      current = false;
    };
  }, [draftId, saves]);
  if (problem) return <p role="alert" className="notice">{problem}</p>;
  if (!simulation) return <p>{t.simulating}</p>;

  const fromId = (m: Movement) => (!m.fromCovered ? NOT_COVERED : (m.fromTierKey ?? NO_TIER));
  const toId = (m: Movement) => (!m.toCovered ? NOT_COVERED : (m.toTierKey ?? NO_TIER));
  const special = (id: string): Axis => ({ id, label: id === NOT_COVERED ? t.notCovered : t.noTier, rank: id === NOT_COVERED ? -2 : -1 });
  const rows = new Map<string, Axis>();
  for (const m of simulation.movements) {
    const id = fromId(m);
    if (!rows.has(id)) rows.set(id, m.fromTier ? { id, label: `${m.fromTier.name} (${id})`, rank: m.fromTier.rank } : special(id));
  }
  const columns = new Map<string, Axis>(draftTiers.map((tier) => [tier.key, { id: tier.key, label: `${tier.name} (${tier.key})`, rank: tier.rank }]));
  for (const m of simulation.movements) {
    const id = toId(m);
    if (!columns.has(id)) columns.set(id, m.toTier ? { id, label: `${m.toTier.name} (${id})`, rank: m.toTier.rank } : special(id));
  }
  const byRank = (a: Axis, b: Axis) => b.rank - a.rank;
  const cell = (from: string, to: string) => simulation.movements.find((m) => fromId(m) === from && toId(m) === to);
  const total = simulation.customers || 1;
  const largest = Math.max(1, ...simulation.movements.filter((m) => fromId(m) !== toId(m)).map((m) => m.count));

  return (
    <section aria-labelledby="impact-title" className="impact" data-for-save={shownFor ?? ''}>
      <h3 id="impact-title">{t.impact}</h3>
      <p className="help">
        {number(simulation.moving)} {t.of} {number(simulation.customers)} {t.customersMove} ({t.simulatedIn} {number(simulation.tookMs)} ms)
      </p>
      <table className="matrix">
        <thead>
          <tr>
            <th scope="col">{t.nowTo}</th>
            {[...columns.values()].sort(byRank).map((c) => (
              <th key={c.id} scope="col">{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...rows.values()].sort(byRank).map((r) => (
            <tr key={r.id}>
              <th scope="row">{r.label}</th>
              {[...columns.values()].sort(byRank).map((c) => {
                const m = cell(r.id, c.id);
                const stays = r.id === c.id;
                const heat = m && !stays ? 0.15 + 0.85 * (m.count / largest) : 0;
                return (
                  <td key={c.id} className={stays ? 'stay' : m ? 'move' : 'empty'} data-from={r.id} data-to={c.id} style={heat ? { background: `rgba(46, 117, 182, ${heat.toFixed(2)})`, color: heat > 0.55 ? 'white' : undefined } : undefined}>
                    {m && (
                      <button className="cell" aria-pressed={selected === m} onClick={() => setSelected(selected === m ? null : m)}>
                        <span className="count">{number(m.count)}</span> <span className="share">{percent(m.count / total)}</span>
                        {m.held > 0 && <span className="held-count">{t.heldInCell(number(m.held))}</span>}
                      </button>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {selected && <CellDetail movement={selected} from={rows.get(fromId(selected))!.label} to={columns.get(toId(selected))!.label} />}
    </section>
  );
}

function CellDetail({ movement, from, to }: { movement: Movement; from: string; to: string }) {
  const { t, language, number, dateTime } = useI18n();
  const value = (v: unknown) => displayValue(v, SUMMARY_WORDS[language], number);
  return (
    <div className="cell-detail" aria-live="polite">
      <h4>
        {from} → {to}: {number(movement.count)} {t.customers}
      </h4>
      {movement.held > 0 && movement.heldFallFirst && (
        <p className="held-detail">{t.heldDetail(number(movement.held), dateTime(movement.heldFallFirst), dateTime(movement.heldFallLast ?? movement.heldFallFirst))}</p>
      )}
      {movement.entitlementsGained.length > 0 && (
        <p className="gained">
          {t.gained}: {movement.entitlementsGained.map((e) => `${e.key} ${value(e.before)} → ${value(e.after)}`).join('; ')}
        </p>
      )}
      {movement.entitlementsLost.length > 0 && (
        <p className="lost">
          {t.lost}: {movement.entitlementsLost.map((e) => `${e.key} ${value(e.before)} → ${value(e.after)}`).join('; ')}
        </p>
      )}
      {movement.entitlementsChanged.length > 0 && (
        <p className="changed-values">
          {t.changedValues}: {movement.entitlementsChanged.map((e) => `${e.key} ${value(e.before)} → ${value(e.after)}`).join('; ')}
        </p>
      )}
      {movement.sample.length > 0 && (
        <p>
          {t.forExample}:{' '}
          {movement.sample.map((c, i) => (
            <span key={c.id}>
              {i > 0 && ', '}
              <Link to={customerPath(c.id)}>
                {c.name} ({c.externalId})
              </Link>
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
