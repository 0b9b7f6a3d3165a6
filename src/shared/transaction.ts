import { Context, onManager } from '../context';
import { createLoaders } from '../loaders';
import { UserError, UserErrors, userError } from './user-error';

type Payload = { userErrors: UserError[] };

/**
 * Runs `work` in one transaction, with a context whose `db` and loaders are the
 * transaction's. Its clock stands still, as PostgreSQL's now() does: every decision of the
 * transaction (an override still counts, an expiry is due, the instant a row records) is
 * taken at one instant.
 */
export function withTransaction<T>(ctx: Context, work: (tx: Context) => Promise<T>): Promise<T> {
  const instant = ctx.deps.clock.now();
  const deps = { ...ctx.deps, clock: { now: () => new Date(instant) } };
  return ctx.db.transaction((manager) => work(onManager({ ...ctx, deps }, manager)));
}

/**
 * Runs one mutation as one transaction. Services see a context whose `db` and loaders are
 * the transaction's. Expected failures (UserErrors) roll everything back and come back as
 * the payload's `userErrors`; afterwards the request's loaders start afresh, since the
 * writes may have changed anything they cached.
 */
export async function runMutation<P extends Payload>(
  ctx: Context,
  work: (tx: Context) => Promise<Omit<P, 'userErrors'>>,
  failed: Omit<P, 'userErrors'>,
): Promise<P> {
  try {
    const result = await withTransaction(ctx, work);
    return { ...result, userErrors: [] } as unknown as P;
  } catch (error) {
    if (error instanceof UserErrors) return { ...failed, userErrors: error.errors } as unknown as P;
    if (isUniqueViolation(error)) {
      const conflict = userError('CONFLICT', null, 'a concurrent request wrote the same record; retry');
      return { ...failed, userErrors: [conflict] } as unknown as P;
    }
    throw error;
  } finally {
    ctx.loaders = createLoaders(ctx.db, ctx.deps);
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
