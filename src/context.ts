import { DataSource, EntityManager } from 'typeorm';
import { Actor } from './auth/actor';
import { createLoaders, Loaders } from './loaders';
import { ProgramRegistry } from './programs/program-registry';
import { Clock } from './shared/clock';

/** What every request shares: built once per process by createServer. */
export interface ServerDeps {
  dataSource: DataSource;
  registry: ProgramRegistry;
  clock: Clock;
  /** Wakes this process's event subscriptions when events commit; they poll without it. */
  wake?: { next(): Promise<void> };
}

/** The request context, first parameter of every service method. */
export interface Context {
  requestId: string;
  actor: Actor;
  /** The EntityManager to use: the data source's, or the transaction's inside a mutation. */
  db: EntityManager;
  loaders: Loaders;
  deps: ServerDeps;
}

export function createContext(deps: ServerDeps, requestId: string, actor: Actor): Context {
  const db = deps.dataSource.manager;
  return { requestId, actor, db, loaders: createLoaders(db, deps), deps };
}

/** The same caller on another EntityManager (a transaction's, a dedicated connection's), with fresh loaders. */
export function onManager(ctx: Context, db: EntityManager): Context {
  return { ...ctx, db, loaders: createLoaders(db, ctx.deps) };
}

/** A context for work the service does itself (start-up, scripts, tests), not for a caller. */
export function systemContext(deps: ServerDeps, name: string): Context {
  return createContext(deps, name, { keyId: 'system', name, roles: [] });
}
