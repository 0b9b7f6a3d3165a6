import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { Node } from '../shared/node';
import { Role } from '../shared/role';
import { NODES_MAX, NodeService } from './node.service';

@Resolver()
export class NodeResolver {
  constructor(private readonly nodeService: NodeService) {}

  @Authorized(Role.VIEWER)
  @Query(() => Node, { nullable: true, description: 'Any object by its global id; null when none has it or your key may not read it.' })
  async node(@Arg('id', () => ID, { description: 'A global id, as an object\'s id field gives it.' }) id: string, @Ctx() ctx: Context): Promise<Node | null> {
    return (await this.nodeService.many(ctx, [id]))[0];
  }

  @Authorized(Role.VIEWER)
  @Query(() => [Node], { nullable: 'items', description: `Up to ${NODES_MAX} objects by their global ids, in the order asked; null for each that none has or your key may not read.` })
  nodes(@Arg('ids', () => [ID], { description: 'Global ids, as objects\' id fields give them.' }) ids: string[], @Ctx() ctx: Context): Promise<(Node | null)[]> {
    return this.nodeService.many(ctx, ids);
  }
}
