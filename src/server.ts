import { ApolloServer } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { ErrorRequestHandler } from 'express';
import { GraphQLError, GraphQLSchema } from 'graphql';
import { Server } from 'node:http';
import { DataSource } from 'typeorm';
import { EventWake } from './events/event-wake';
import { attachSubscriptions } from './subscriptions';
import { workSizes } from './limits/query-cost';
import { AuditService } from './audit/audit.service';
import { AuditResolver } from './audit/audit.resolver';
import { ApiKeyResolver } from './auth/api-key.resolver';
import { DraftTierEntitlementResolver, DraftTierTimeResolver, ProgramHistoryResolver, RuleDraftResolver } from './authoring/authoring.resolver';
import { DraftService } from './authoring/draft.service';
import { PublishService } from './authoring/publish.service';
import { RetierRunner, RetierRunnerOptions } from './retier/retier-runner';
import { SimulationService } from './authoring/simulation.service';
import { AuthService } from './auth/auth.service';
import { Context, ServerDeps, createContext, systemContext } from './context';
import { CustomerEntitlementSetResolver, CustomerResolver, EntitlementGrantCustomerResolver, EventCustomerResolver, TierChangeCustomerResolver, TierOverrideCustomerResolver } from './customers/customer.resolver';
import { EventLog } from './events/event-log';
import { EventResolver } from './events/event.resolver';
import { WebhookDispatcher, WebhookOptions } from './webhooks/webhook-dispatcher';
import { WebhookDeliveryResolver, WebhookResolver } from './webhooks/webhook.resolver';
import { WebhookService } from './webhooks/webhook.service';
import { TierChangeReferenceResolver, TierOverrideReferenceResolver } from './evaluation/references.resolver';
import { CustomerService } from './customers/customer.service';
import { CustomerEntitlementReferenceResolver, EntitlementGrantReferenceResolver, EntitlementResolver } from './entitlements/entitlement.resolver';
import { EntitlementService } from './entitlements/entitlement.service';
import { EvaluationService } from './evaluation/evaluation.service';
import { OverrideResolver } from './evaluation/override.resolver';
import { OverrideService } from './evaluation/override.service';
import { ProgramEvaluationResolver, TierAsOfResolver, TierAssignmentResolver } from './evaluation/tier-assignment.resolver';
import { RetierStage } from './evaluation/retier-stage';
import { consoleRouter } from './console';
import { explorerRouter } from './explorer';
import { FactResolver } from './facts/fact.resolver';
import { FactService } from './facts/fact.service';
import { Readiness, healthRouter } from './health';
import { IdempotencyService } from './idempotency/idempotency.service';
import { CostBudgets, CostLimits, DEFAULT_COST_LIMITS } from './limits/cost-budgets';
import { costLimitPlugin } from './limits/cost-limit.plugin';
import { responseSizeLimit } from './limits/response-size';
import { untrustedInputPlugin } from './limits/untrusted-input';
import { ProgramRegistry } from './programs/program-registry';
import { NodeResolver } from './nodes/node.resolver';
import { NodeService } from './nodes/node.service';
import { ProgramResolver, TierRuleResolver, TierEntitlementResolver } from './programs/program.resolver';
import { ProgramService } from './programs/program.service';
import { buildStrataSchema } from './schema';
import { clientErrorStatusPlugin, formatError } from './shared/format-error';
import { Scheduler, SchedulerOptions } from './scheduler/scheduler';
import { timeWork } from './scheduler/time-work';
import { Clock, systemClock } from './shared/clock';
import { logger } from './shared/logger';
import { requestIds, withRequestId } from './shared/request-id';

export interface Services {
  audit: AuditService;
  /** The outbox every change appends to, and its feed. */
  events: EventLog;
  auth: AuthService;
  facts: FactService;
  evaluation: EvaluationService;
  entitlements: EntitlementService;
  programs: ProgramService;
  customers: CustomerService;
  publisher: PublishService;
  drafts: DraftService;
  simulation: SimulationService;
  overrides: OverrideService;
  idempotency: IdempotencyService;
  nodes: NodeService;
  /** How re-tier jobs write a version's tiers (every RetierRunner uses it). */
  retierStage: RetierStage;
  webhooks: WebhookService;
}

export interface Strata {
  app: express.Express;
  /** Runs re-tier jobs in this process; started by createServer unless told otherwise. */
  runner: RetierRunner;
  /** Runs what time makes due (expiries) in this process; started by createServer unless told otherwise. */
  scheduler: Scheduler;
  /** Sends events to webhook endpoints from this process; started by createServer unless told otherwise. */
  webhooks: WebhookDispatcher;
  apollo: ApolloServer<Context>;
  schema: GraphQLSchema;
  deps: ServerDeps;
  services: Services;
  /** /readyz answers 503 once draining is set (see drainAndStop). */
  readiness: Readiness;
  /** Serves the live subscriptions (graphql-ws) on an HTTP server listening for this app; stop() closes them. */
  attach(server: Server): void;
  /** Stops the background work (re-tier runner, housekeeping) and Apollo; the caller closes HTTP and the pool. */
  stop(): Promise<void>;
}

/** Every service, wired by hand: no DI container. */
export function createServices(webhookOptions: WebhookOptions = {}, eventsEnabled = true): Services {
  const audit = new AuditService();
  const events = new EventLog(eventsEnabled);
  const facts = new FactService(audit);
  const evaluation = new EvaluationService(facts, audit, events);
  const programs = new ProgramService(facts, audit);
  const publisher = new PublishService(programs, audit, events);
  return {
    audit,
    events,
    auth: new AuthService(audit),
    facts,
    evaluation,
    entitlements: new EntitlementService(audit, events),
    programs,
    customers: new CustomerService(facts, evaluation, audit),
    publisher,
    drafts: new DraftService(programs, facts, publisher, audit),
    simulation: new SimulationService(programs),
    overrides: new OverrideService(evaluation, audit, events),
    idempotency: new IdempotencyService(),
    nodes: new NodeService(),
    retierStage: new RetierStage(evaluation, events),
    webhooks: new WebhookService(audit, webhookOptions.allowPrivate ?? false),
  };
}

export function resolverInstances(s: Services, runner: RetierRunner | null): Map<Function, object> {
  return new Map<Function, object>([
    [ApiKeyResolver, new ApiKeyResolver(s.auth)],
    [AuditResolver, new AuditResolver(s.audit)],
    [OverrideResolver, new OverrideResolver(s.overrides)],
    [ProgramHistoryResolver, new ProgramHistoryResolver(s.programs)],
    [DraftTierEntitlementResolver, new DraftTierEntitlementResolver(s.programs)],
    [DraftTierTimeResolver, new DraftTierTimeResolver()],
    [RuleDraftResolver, new RuleDraftResolver(s.drafts, s.simulation, s.programs, s.publisher, runner)],
    [CustomerResolver, new CustomerResolver(s.customers, s.evaluation, s.entitlements, s.idempotency)],
    [CustomerEntitlementSetResolver, new CustomerEntitlementSetResolver(s.customers)],
    [TierChangeCustomerResolver, new TierChangeCustomerResolver(s.customers)],
    [TierOverrideCustomerResolver, new TierOverrideCustomerResolver(s.customers)],
    [EntitlementGrantCustomerResolver, new EntitlementGrantCustomerResolver(s.customers)],
    [TierChangeReferenceResolver, new TierChangeReferenceResolver(s.evaluation)],
    [TierOverrideReferenceResolver, new TierOverrideReferenceResolver(s.evaluation)],
    [CustomerEntitlementReferenceResolver, new CustomerEntitlementReferenceResolver(s.entitlements, s.evaluation)],
    [EntitlementGrantReferenceResolver, new EntitlementGrantReferenceResolver(s.entitlements)],
    [EventCustomerResolver, new EventCustomerResolver(s.customers)],
    [EventResolver, new EventResolver(s.events)],
    [WebhookResolver, new WebhookResolver(s.webhooks)],
    [WebhookDeliveryResolver, new WebhookDeliveryResolver(s.webhooks)],
    [EntitlementResolver, new EntitlementResolver(s.entitlements, s.idempotency)],
    [FactResolver, new FactResolver(s.facts)],
    [ProgramResolver, new ProgramResolver(s.programs)],
    [TierEntitlementResolver, new TierEntitlementResolver(s.programs)],
    [TierRuleResolver, new TierRuleResolver()],
    [NodeResolver, new NodeResolver(s.nodes)],
    [TierAssignmentResolver, new TierAssignmentResolver(s.evaluation)],
    [TierAsOfResolver, new TierAsOfResolver(s.evaluation)],
    [ProgramEvaluationResolver, new ProgramEvaluationResolver(s.evaluation)],
  ]);
}

/** Schema, Apollo and the HTTP routes over an initialised, migrated data source; tests call it too. */
export interface ServerOptions {
  production: boolean;
  costLimits?: CostLimits;
  /** The largest answer one request may build (MAX_RESPONSE_BYTES unless given). */
  maxResponseBytes?: number;
  retier?: RetierRunnerOptions & { start?: boolean };
  scheduler?: SchedulerOptions;
  webhooks?: WebhookOptions;
  /** The built console served at /admin (dist/admin unless given). */
  consoleDir?: string;
  /** What "now" is (tests move it); the system's clock unless given. */
  clock?: Clock;
}

export async function createServer(dataSource: DataSource, options: ServerOptions): Promise<Strata> {
  const wake = new EventWake((dataSource.options as { url: string }).url);
  const deps: ServerDeps = { dataSource, registry: new ProgramRegistry(), clock: options.clock ?? systemClock, wake };
  const services = createServices(options.webhooks);
  const webhooks = new WebhookDispatcher(deps, options.webhooks);
  const runner = new RetierRunner(deps, services.retierStage, options.retier);
  const scheduler = new Scheduler(
    deps,
    timeWork(services, { everyMs: options.scheduler?.periodMs ?? SCHEDULER_PERIOD_MS, reviewBatchSize: options.scheduler?.reviewBatchSize, eventRetentionDays: options.scheduler?.eventRetentionDays }),
    options.scheduler,
  );
  const instances = resolverInstances(services, runner);
  const schema = await buildStrataSchema({ get: (cls) => instances.get(cls) });
  const armor = new ApolloArmor(documentLimits(options.production)).protect();
  const budgets = new CostBudgets(options.costLimits ?? DEFAULT_COST_LIMITS);
  const responseSize = responseSizeLimit(options.maxResponseBytes);
  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    stringifyResult: responseSize.stringifyResult,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // Shutdown is ours (drainAndStop): Apollo stopping itself on SIGTERM would fail the
    // requests still in flight.
    stopOnTerminationSignals: false,
    // graphql-js stops parsing at this many tokens and answers GRAPHQL_PARSE_FAILED (400).
    parseOptions: { maxTokens: MAX_TOKENS },
    validationRules: armor.validationRules,
    plugins: [
      ...armor.plugins,
      untrustedInputPlugin(schema),
      costLimitPlugin(schema, budgets, () => services.programs.sizes(dataSource.manager)),
      responseSize.plugin,
      clientErrorStatusPlugin,
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are set, and the cache-control plugin would wrap every field's resolver.
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();

  const readiness: Readiness = { draining: false };
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const ids = requestIds(req.get('x-request-id'));
    const { requestId } = ids;
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    // While draining, clients are told to reconnect (elsewhere) after this answer.
    if (readiness.draining) res.setHeader('connection', 'close');
    withRequestId(ids, next);
  });
  app.use(healthRouter(dataSource, readiness));
  app.use(explorerRouter());
  app.use(consoleRouter(options.consoleDir));
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const actor = await services.auth.authenticate(dataSource.manager, req.get('authorization'));
        if (!actor) {
          throw new GraphQLError('send Authorization: Bearer <api key> with a valid key', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        }
        return createContext(deps, res.locals.requestId as string, actor);
      },
    }),
  );
  app.use(jsonErrors);
  if (options.retier?.start !== false) runner.start();
  if (options.scheduler?.start !== false) scheduler.start();
  if (options.webhooks?.start !== false) webhooks.start();
  const housekeeping = setInterval(() => {
    services.idempotency.purge(systemContext(deps, 'housekeeping')).catch((err) => logger.warn({ err }, 'purging expired idempotency keys failed'));
  }, HOUSEKEEPING_INTERVAL_MS).unref();
  const subscriptionServers: { close(): Promise<void> }[] = [];
  const attach = (server: Server) => {
    subscriptionServers.push(
      attachSubscriptions(server, {
        schema,
        deps,
        validationRules: armor.validationRules ?? [],
        maxTokens: MAX_TOKENS,
        budgets,
        sizes: async () => workSizes(await services.programs.sizes(dataSource.manager)),
        authenticate: (authorization) => services.auth.authenticate(dataSource.manager, authorization),
      }),
    );
  };
  const stop = async () => {
    clearInterval(housekeeping);
    await Promise.all(subscriptionServers.map((s) => s.close()));
    await wake.stop();
    await runner.stop();
    await scheduler.stop();
    await webhooks.stop();
    await apollo.stop();
  };
  return { app, runner, scheduler, webhooks, apollo, schema, deps, services, readiness, attach, stop };
}

const MAX_TOKENS = 2_000;
/** What time makes due is recorded within this long (plus a poll) of its instant. */
const SCHEDULER_PERIOD_MS = 15_000;
const HOUSEKEEPING_INTERVAL_MS = 15 * 60_000;

/**
 * Limits on the document, checked while validating it, before anything executes (GraphQL
 * Armor): depth, aliases and directives. Tokens are counted by graphql-js's parser (Armor's
 * own counter answers HTTP 500), and cost is priced per field by costLimitPlugin. In
 * production, "Did you mean …" hints would reveal the schema.
 */
export function documentLimits(production: boolean): ConstructorParameters<typeof ApolloArmor>[0] {
  return {
    maxTokens: { enabled: false },
    maxDepth: { n: 12, ignoreIntrospection: true },
    maxAliases: { n: 15 },
    maxDirectives: { n: 10 },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: production },
  };
}

/** Malformed or oversized bodies get a JSON error, never Express's HTML page with a stack. */
const jsonErrors: ErrorRequestHandler = (err, _req, res, _next) => {
  const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
  if (status === 500) logger.error({ err }, 'unexpected HTTP error');
  const message =
    err?.type === 'entity.parse.failed'
      ? 'the request body is not valid JSON'
      : err?.type === 'entity.too.large'
        ? 'the request body is larger than 1 MB'
        : status === 500
          ? 'Internal server error'
          : 'bad request';
  res.status(status).json({ errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST', requestId: res.locals.requestId } }] });
};
