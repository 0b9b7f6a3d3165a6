import { Arg, Args, Authorized, Ctx, Field, InputType, Query, Resolver } from 'type-graphql';
import { Role } from '../shared/role';
import type { Context } from '../context';
import { ConnectionType, PageArgs } from '../shared/pagination';
import type { Connection } from '../shared/pagination';
import { AuditEvent } from './audit-event.entity';
import { AuditService } from './audit.service';
import { pageCost } from '../limits/query-cost';

@InputType()
export class AuditEventFilter {
  @Field(() => String, { nullable: true })
  entityType?: string | null;

  @Field(() => String, { nullable: true })
  entityKey?: string | null;

  @Field(() => String, { nullable: true })
  action?: string | null;

  @Field(() => String, { nullable: true })
  actorName?: string | null;

  @Field(() => Date, { nullable: true })
  since?: Date | null;

  @Field(() => Date, { nullable: true })
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
    @Arg('filter', () => AuditEventFilter, { nullable: true }) filter?: AuditEventFilter,
  ): Promise<Connection<AuditEvent>> {
    return this.audit.list(ctx, filter ?? {}, page);
  }
}
