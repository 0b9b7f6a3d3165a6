import { timingOf } from '../rules/time-policy';
import { Context } from '../context';
import { Customer } from '../customers/customer.entity';
import { ProgramEvaluator, entitlementDeltas } from '../engine';
import type { EntitlementPolicy } from '../engine';
import { classifyCustomers } from '../evaluation/shown-tier-reads';
import { decodeTier } from '../evaluation/shown-tier';
import { TierProgram } from '../programs/tier-program.entity';
import { EntitlementDefinition } from '../catalog/entitlement-definition.entity';
import { COVERS_NOBODY } from '../programs/program-document';
import { ProgramService, definitionOf } from '../programs/program.service';
import { DomainError } from '../shared/errors';
import { RuleSimulation, TierMovement } from './authoring.types';
import { RuleDraft } from './rule-draft.entity';

export const MAX_SAMPLE = 20;


/**
 * The impact of a draft over every customer: one aggregate query classifies each customer
 * under the rules in force and under the draft, in SQL compiled from both documents, and
 * counts the pairs.
 */
export class SimulationService {
  constructor(private readonly programs: ProgramService) {}

  async simulate(ctx: Context, draft: RuleDraft, sampleSize: number): Promise<RuleSimulation> {
    if (!Number.isInteger(sampleSize) || sampleSize < 0 || sampleSize > MAX_SAMPLE) {
      throw new DomainError('BAD_USER_INPUT', `sampleSize must be between 0 and ${MAX_SAMPLE}`);
    }
    const started = Date.now();
    // A new program's first draft moves customers from outside the program into it.
    const published = await this.programs.publishedById(ctx, draft.programId);
    const program = published?.program ?? (await ctx.db.findOneByOrFail(TierProgram, { id: draft.programId }));
    const currentEvaluator = published?.evaluator ?? new ProgramEvaluator({ key: program.key, version: 0, appliesTo: COVERS_NOBODY, tiers: [] });
    const current = currentEvaluator.definition;
    const next = definitionOf(program.key, draft.document);

    // Both ladders meet the customers' stored time state: under the draft's policy, a fall may be held.
    const timings = [published?.timing ?? null, timingOf(draft.document)];
    const cells = (await classifyCustomers(ctx, [currentEvaluator, new ProgramEvaluator(next)], sampleSize, program.id, timings)).map((g) => ({
      from: g.keys[0],
      to: g.keys[1],
      count: g.count,
      sample: g.sample,
      held: g.held,
      heldFall: g.heldFall,
    }));
    const policies = await this.policies(ctx);
    const valuesBefore = new Map((published?.tiers ?? []).map((t) => [t.key, new Map(t.entitlements.map((e) => [e.entitlementKey, e.value]))]));
    const valuesAfter = new Map(draft.document.tiers.map((t) => [t.key, new Map(t.entitlements.map((e) => [e.key, e.value]))]));
    const none = new Map<string, unknown>();
    const rankOf = (tiers: readonly { key: string; rank: number }[], key: string) => tiers.find((t) => t.key === key)?.rank ?? -Infinity;
    const ordered = [...cells].sort(
      (x, y) => rankOf(current.tiers, y.from) - rankOf(current.tiers, x.from) || rankOf(next.tiers, y.to) - rankOf(next.tiers, x.to),
    );
    const samples = await ctx.loaders.customerById.loadMany(ordered.flatMap((c) => c.sample));
    const customers = new Map(samples.filter((c): c is Customer => c instanceof Customer).map((c) => [c.id, c]));

    const movements: TierMovement[] = ordered.map((cell) => {
      const { gained, lost, changed } = entitlementDeltas(valuesBefore.get(cell.from) ?? none, valuesAfter.get(cell.to) ?? none, (k) => policies.get(k));
      return {
        fromTierKey: decodeTier(cell.from).tierKey,
        fromTier: published?.tiers.find((t) => t.key === decodeTier(cell.from).tierKey) ?? null,
        fromCovered: decodeTier(cell.from).covered,
        toTierKey: decodeTier(cell.to).tierKey,
        toTier: draft.document.tiers.find((t) => t.key === decodeTier(cell.to).tierKey) ?? null,
        toCovered: decodeTier(cell.to).covered,
        count: cell.count,
        sample: cell.sample.map((id) => customers.get(id)).filter((c) => c !== undefined),
        entitlementsGained: gained,
        entitlementsLost: lost,
        entitlementsChanged: changed,
        held: cell.held,
        heldFallFirst: cell.heldFall?.first ?? null,
        heldFallLast: cell.heldFall?.last ?? null,
      };
    });
    return {
      customers: movements.reduce((n, m) => n + m.count, 0),
      moving: cells.filter((c) => c.from !== c.to).reduce((n, c) => n + c.count, 0),
      movements,
      tookMs: Date.now() - started,
    };
  }

  private async policies(ctx: Context): Promise<Map<string, EntitlementPolicy>> {
    const definitions = await ctx.db.find(EntitlementDefinition);
    return new Map(definitions.map((d) => [d.key, d]));
  }
}
