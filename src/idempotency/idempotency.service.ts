import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { Context } from '../context';
import { throwIfAny, userError } from '../shared/user-error';

/** How one mutation's result is kept for replay and read back. */
export interface ReplayCodec<T> {
  store(result: T): unknown;
  replay(tx: Context, stored: unknown): Promise<T>;
}

export interface IdempotentCall {
  operation: string;
  /** The client's key; null or absent runs the write as usual. */
  idempotencyKey: string | null | undefined;
  /** Everything else the mutation was given; a retry must send the same. */
  args: unknown;
}

export const IDEMPOTENCY_KEY_TTL_HOURS = 24;
/** The schema's description of every idempotencyKey argument. */
export const IDEMPOTENCY_KEY =
  'Your unique id for this write (e.g. a UUID). A retry with the same key and arguments within 24 h writes nothing and answers with the first result (replayed: true); the same key with other arguments is refused with CONFLICT.';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Stripe-style idempotent writes. Inside the mutation's transaction the key is claimed
 * with an INSERT; a concurrent call with the same key waits on that row until the first
 * commits (then replays its result) or rolls back (then runs itself). A failed call
 * (userErrors) stores nothing, so it can be retried with the same key once fixed.
 */
export class IdempotencyService {
  async once<T>(tx: Context, call: IdempotentCall, codec: ReplayCodec<T>, work: () => Promise<T>): Promise<T & { replayed: boolean }> {
    const key = call.idempotencyKey;
    if (key === null || key === undefined) return { ...(await work()), replayed: false };
    if (!KEY_PATTERN.test(key)) {
      throwIfAny([userError('INVALID', ['idempotencyKey'], 'idempotencyKey must be 1 to 255 printable ASCII characters without spaces, e.g. a UUID')]);
    }
    const requestHash = createHash('sha256').update(stringify(call.args) ?? 'null').digest('hex');
    const claimed: unknown[] = await tx.db.query(
      `INSERT INTO idempotent_request (api_key_id, idempotency_key, operation, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (api_key_id, idempotency_key) DO NOTHING RETURNING 1`,
      [tx.actor.keyId, key, call.operation, requestHash],
    );
    if (claimed.length === 1) {
      const result = await work();
      await tx.db.query('UPDATE idempotent_request SET response = $3 WHERE api_key_id = $1 AND idempotency_key = $2', [
        tx.actor.keyId,
        key,
        JSON.stringify(codec.store(result)),
      ]);
      return { ...result, replayed: false };
    }
    const [first]: { operation: string; request_hash: string; response: unknown; expired: boolean }[] = await tx.db.query(
      `SELECT operation, request_hash, response, created_at < now() - make_interval(hours => $3) AS expired
         FROM idempotent_request WHERE api_key_id = $1 AND idempotency_key = $2`,
      [tx.actor.keyId, key, IDEMPOTENCY_KEY_TTL_HOURS],
    );
    if (first.expired) {
      // Past its lifetime the key is free again; purge() would have removed it soon anyway.
      await tx.db.query('DELETE FROM idempotent_request WHERE api_key_id = $1 AND idempotency_key = $2', [tx.actor.keyId, key]);
      return this.once(tx, call, codec, work);
    }
    if (first.operation !== call.operation || first.request_hash !== requestHash) {
      throwIfAny([
        userError(
          'CONFLICT',
          ['idempotencyKey'],
          first.operation !== call.operation
            ? `this idempotencyKey was used for ${first.operation}; use a new key for each write`
            : 'this idempotencyKey was used with other arguments; use a new key for each write',
        ),
      ]);
    }
    return { ...(await codec.replay(tx, first.response)), replayed: true };
  }

  /** Forgets keys older than their lifetime; returns how many. */
  async purge(ctx: Context): Promise<number> {
    const [, removed]: [unknown, number] = await ctx.db.query(`DELETE FROM idempotent_request WHERE created_at < now() - make_interval(hours => $1)`, [
      IDEMPOTENCY_KEY_TTL_HOURS,
    ]);
    return removed;
  }
}
