import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { catalogKeyProblem } from '../shared/catalog-key';
import { UserError, throwIfAny, userError } from '../shared/user-error';
import { FactDefinition } from './fact-definition.entity';
import { FactType, factValueProblem } from './fact-types';

export interface FactDefineInput {
  key: string;
  type: FactType;
  description?: string | null;
  unit?: string | null;
}

export type FactCatalog = Map<string, FactType>;

export class FactService {
  constructor(private readonly audit: AuditService) {}

  list(ctx: Context): Promise<FactDefinition[]> {
    return ctx.db.find(FactDefinition, { order: { key: 'ASC' } });
  }

  async catalog(ctx: Context): Promise<FactCatalog> {
    const facts = await this.list(ctx);
    return new Map(facts.map((f) => [f.key, f.type]));
  }

  /** Creates a fact or updates its description and unit; a fact's type never changes. */
  async define(tx: Context, input: FactDefineInput): Promise<FactDefinition> {
    const keyProblem = catalogKeyProblem(input.key);
    if (keyProblem) throwIfAny([userError('INVALID', ['input', 'key'], keyProblem)]);
    const existing = await tx.db.findOne(FactDefinition, { where: { key: input.key }, lock: { mode: 'pessimistic_write' } });
    if (existing && existing.type !== input.type) {
      throwIfAny([userError('CONFLICT', ['input', 'type'], `fact "${input.key}" is already ${existing.type}; a fact's type cannot change`)]);
    }
    const before = existing ? { ...existing } : undefined;
    const fact = existing ?? Object.assign(new FactDefinition(), { key: input.key, type: input.type });
    fact.description = input.description ?? null;
    fact.unit = input.unit ?? null;
    const saved = await tx.db.save(fact);
    await this.audit.record(tx, { action: 'factDefine', entityType: 'FACT', entityKey: saved.key, before, after: saved });
    return saved;
  }

  /**
   * Checks facts against the catalog; every problem is reported, under `path`.
   * With `nullRemoves`, a null value is allowed (it removes the fact).
   */
  check(catalog: FactCatalog, facts: Record<string, unknown>, path: string[], nullRemoves: boolean): UserError[] {
    const errors: UserError[] = [];
    for (const [key, value] of Object.entries(facts)) {
      const type = catalog.get(key);
      if (!type) {
        errors.push(userError('UNKNOWN_FACT', [...path, key], `unknown fact "${key}"; define it with factDefine first`));
      } else if (value === null) {
        if (!nullRemoves) errors.push(userError('TYPE_MISMATCH', [...path, key], `"${key}" is null; leave a fact out instead`));
      } else {
        const problem = factValueProblem(type, value);
        if (problem) errors.push(userError('TYPE_MISMATCH', [...path, key], `"${key}" is ${type}: ${problem}`));
      }
    }
    return errors;
  }
}
