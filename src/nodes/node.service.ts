import { EntityTarget, FindOptionsRelations, In, ObjectLiteral } from 'typeorm';
import { AuditEvent } from '../audit/audit-event.entity';
import { ApiKey } from '../auth/api-key.entity';
import { AUTHORS } from '../authoring/authoring.resolver';
import { RuleDraft } from '../authoring/rule-draft.entity';
import type { Context } from '../context';
import { Customer } from '../customers/customer.entity';
import { EntitlementGrant } from '../entitlements/entitlement-grant.entity';
import { TierChange } from '../evaluation/tier-change.entity';
import { TierOverride } from '../evaluation/tier-override.entity';
import { RuleSetVersion } from '../programs/rule-set-version.entity';
import { Tier } from '../programs/tier.entity';
import { TierProgram } from '../programs/tier-program.entity';
import { RetierJob } from '../retier/retier-job.entity';
import { DomainError } from '../shared/errors';
import { isUuid } from '../shared/ids';
import { Node, parseSequenceNodeId } from '../shared/node';
import { Role, hasRole } from '../shared/role';

/** The most ids one nodes() call fetches. */
export const NODES_MAX = 100;

interface NodeKind {
  entity: EntityTarget<ObjectLiteral>;
  table: string;
  /** Who may read objects of this kind: the roles of the query that lists them. */
  readers: Role[];
  relations?: FindOptionsRelations<ObjectLiteral>;
}

/** Every type that implements Node, by its GraphQL name. */
const KINDS: Record<string, NodeKind> = {
  Customer: { entity: Customer, table: 'customer', readers: [Role.VIEWER] },
  TierProgram: { entity: TierProgram, table: 'tier_program', readers: [Role.VIEWER] },
  Tier: { entity: Tier, table: 'tier', readers: [Role.VIEWER], relations: { entitlements: { entitlement: true } } },
  RuleSetVersion: { entity: RuleSetVersion, table: 'rule_set_version', readers: [Role.VIEWER] },
  RuleDraft: { entity: RuleDraft, table: 'rule_draft', readers: AUTHORS },
  RetierJob: { entity: RetierJob, table: 'retier_job', readers: AUTHORS },
  TierOverride: { entity: TierOverride, table: 'tier_override', readers: [Role.VIEWER] },
  EntitlementGrant: { entity: EntitlementGrant, table: 'entitlement_grant', readers: [Role.VIEWER] },
  ApiKey: { entity: ApiKey, table: 'api_key', readers: [Role.ADMIN] },
  AuditEvent: { entity: AuditEvent, table: 'audit_event', readers: AUTHORS },
  TierChange: { entity: TierChange, table: 'tier_change', readers: [Role.VIEWER] },
};

const UUID_KINDS = Object.entries(KINDS).filter(([type]) => type !== 'AuditEvent' && type !== 'TierChange');

/**
 * Relay's refetch by id: any object a client caches, whatever its type. An id that names no
 * object, or one the caller's key may not read, answers null, so ids reveal nothing.
 */
export class NodeService {
  async many(ctx: Context, ids: readonly string[]): Promise<(Node | null)[]> {
    if (ids.length > NODES_MAX) throw new DomainError('BAD_USER_INPUT', `ask for at most ${NODES_MAX} ids at once, got ${ids.length}`);
    const wanted = new Map<string, string[]>();
    const add = (type: string, key: string) => wanted.set(type, [...(wanted.get(type) ?? []), key]);
    const uuids = [...new Set(ids.filter(isUuid))];
    if (uuids.length) {
      const found: { type: string; id: string }[] = await ctx.db.query(
        UUID_KINDS.map(([type, kind]) => `SELECT '${type}' AS type, id::text FROM ${kind.table} WHERE id = ANY($1::uuid[])`).join(' UNION ALL '),
        [uuids],
      );
      for (const { type, id } of found) add(type, id);
    }
    for (const id of ids) {
      const sequence = parseSequenceNodeId(id);
      if (sequence) add(sequence.type, sequence.id);
    }
    const byId = new Map<string, Node>();
    for (const [type, keys] of wanted) {
      const kind = KINDS[type];
      if (!kind.readers.some((role) => hasRole(ctx.actor.roles, role))) continue;
      const rows = (await ctx.db.find(kind.entity, { where: { id: In(keys) }, relations: kind.relations })) as Node[];
      // Rows keyed by a sequence answer to their typed id (AuditEvent:7), the others to their UUID.
      for (const row of rows) byId.set('nodeId' in row ? (row.nodeId as string) : row.id, row);
    }
    return ids.map((id) => byId.get(id) ?? null);
  }
}
