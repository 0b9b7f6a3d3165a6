import { randomUUID } from 'node:crypto';
import { Server } from 'node:http';
import { ExecutionArgs, GraphQLError, GraphQLSchema, ValidationRule, parse, specifiedRules, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { Actor } from './auth/actor';
import { Context, ServerDeps, createContext } from './context';
import { CostBudgets } from './limits/cost-budgets';
import { charge } from './limits/cost-limit.plugin';
import { WorkSizes, queryCost } from './limits/query-cost';
import { logger } from './shared/logger';

/** Subscriptions one API key may hold open at once, across its connections to this process. */
export const MAX_SUBSCRIPTIONS_PER_KEY = 20;

export interface SubscriptionServerOptions {
  schema: GraphQLSchema;
  deps: ServerDeps;
  /** The same document limits as queries (GraphQL Armor's rules). */
  validationRules: readonly ValidationRule[];
  maxTokens: number;
  budgets: CostBudgets;
  sizes: () => Promise<WorkSizes>;
  authenticate(authorization: string | undefined): Promise<Actor | null>;
}

type ConnectionExtra = {
  actor?: Actor;
  /** The connection's subscriptions counted against its key. */
  counted?: Set<string>;
};

/**
 * graphql-ws on /graphql (the HTTP server's upgrade requests), for the live event feed. The
 * API key comes in connection_init ({ authorization: "Bearer …" }); an unknown key closes
 * the socket (4403). Each subscription is parsed, validated with the queries' rules and
 * priced against the key's budget, as a query is, and a key holds at most
 * MAX_SUBSCRIPTIONS_PER_KEY at once.
 */
export function attachSubscriptions(server: Server, options: SubscriptionServerOptions): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const open = new Map<string, number>();
  const disposable = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema: options.schema,
      async onConnect(ctx) {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const actor = await options.authenticate(typeof raw === 'string' ? raw : undefined);
        if (!actor) return false;
        ctx.extra.actor = actor;
        return true;
      },
      async onSubscribe(ctx, id, payload) {
        const actor = ctx.extra.actor!;
        let document;
        try {
          document = parse(payload.query, { maxTokens: options.maxTokens });
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const errors = validate(options.schema, document, [...specifiedRules, ...options.validationRules]);
        if (errors.length) return errors;
        const variables = payload.variables ?? {};
        const cost = queryCost(options.schema, document, variables, await options.sizes(), payload.operationName ?? undefined);
        const { refusal } = charge(options.budgets, actor.keyId, cost);
        if (refusal) return [refusal];
        const held = open.get(actor.keyId) ?? 0;
        if (held >= MAX_SUBSCRIPTIONS_PER_KEY) return [new GraphQLError(`this key holds ${held} subscriptions, the most one key may`, { extensions: { code: 'RATE_LIMITED' } })];
        open.set(actor.keyId, held + 1);
        (ctx.extra.counted ??= new Set()).add(id);
        const contextValue: Context = createContext(options.deps, randomUUID(), actor);
        return { schema: options.schema, document, variableValues: variables, operationName: payload.operationName, contextValue } satisfies ExecutionArgs;
      },
      onComplete(ctx, id) {
        release(ctx.extra, id);
      },
      onError(ctx, id) {
        release(ctx.extra, id);
      },
    },
    wss,
  );
  function release(extra: ConnectionExtra, id: string): void {
    const { actor } = extra;
    if (!actor || !extra.counted?.delete(id)) return;
    const held = (open.get(actor.keyId) ?? 1) - 1;
    if (held > 0) open.set(actor.keyId, held);
    else open.delete(actor.keyId);
  }
  wss.on('error', (err) => logger.warn({ err: err.message }, 'subscription server error'));
  return {
    async close() {
      await disposable.dispose();
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
