import { Arg, Args, Authorized, Ctx, Field, InputType, Query, Resolver } from 'type-graphql';
import { Role } from '../shared/role';
import type { Context } from '../context';
import { ConnectionType, PageArgs } from '../shared/pagination';
import type { Connection } from '../shared/pagination';
import { type AuditAction, AuditActionEnum } from './audit-actions';
import { AuditEvent } from './audit-event.entity';
import { AuditService } from './audit.service';
import { pageCost } from '../limits/query-cost';

@InputType({ description: 'Which changes to list; every field given must match.' })
export class AuditEventFilter {
  @Field(() => String, { nullable: true, description: 'Only changes to this kind of thing, e.g. PROGRAM, DRAFT, CUSTOMER, GRANT, OVERRIDE, API_KEY.' })
  entityType?: string | null;

  @Field(() => String, { nullable: true, description: 'Only changes to the thing with this key or id.' })
  entityKey?: string | null;

  @Field(() => AuditActionEnum, { nullable: true, description: 'Only this action.' })
  action?: AuditAction | null;

  @Field(() => String, { nullable: true, description: 'Only changes made by the key with this name.' })
  actorName?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only changes at or after this instant.' })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only changes before this instant.' })
  until?: Date | null;
}

export const AuditEventConnection = ConnectionType(AuditEvent, 'AuditEvent');

@Resolver()
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Authorized(Role.EDITOR, Role.APPROVER)
  @Query(() => AuditEventConnection, { complexity: pageCost, description: 'Changes to programs, rules, catalogs, grants, overrides and keys; newest first.' })
  auditEvents(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AuditEventFilter, { nullable: true, description: 'Only the changes that match every field given.' }) filter?: AuditEventFilter,
  ): Promise<Connection<AuditEvent>> {
    return this.audit.list(ctx, filter ?? {}, page);
  }
}
