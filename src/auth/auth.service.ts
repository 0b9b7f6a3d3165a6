import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { isUuid } from '../shared/ids';
import { logger } from '../shared/logger';
import { throwIfAny, userError } from '../shared/user-error';
import { Actor } from './actor';
import { ApiKey } from './api-key.entity';
import { Role, effectiveRoles } from '../shared/role';

/** Secrets are 256 random bits, so one SHA-256 is a sound hash: nothing to brute-force. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newSecret(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

export const BOOTSTRAP_KEY_NAME = 'bootstrap admin (STRATA_ADMIN_KEY)';

export class AuthService {
  constructor(private readonly audit: AuditService) {}

  /**
   * The actor for an `Authorization: Bearer …` header, or null when the key is unknown,
   * revoked or expired: read on every request, so a revocation counts from the next one.
   */
  async authenticate(db: EntityManager, authorization: string | undefined): Promise<Actor | null> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return null;
    // One statement: the last use is written to the minute, so at most once a minute per key.
    const [key]: { id: string; name: string; roles: Role[] }[] = await db.query(
      `WITH k AS (SELECT id, name, roles, last_used_at IS NULL OR last_used_at < now() - interval '1 minute' AS stale FROM api_key
                   WHERE secret_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())),
            touched AS (UPDATE api_key a SET last_used_at = now() FROM k WHERE a.id = k.id AND k.stale RETURNING a.id)
       SELECT id, name, roles FROM k`,
      [hashSecret(match[1])],
    );
    if (!key) return null;
    return { keyId: key.id, name: key.name, roles: key.roles };
  }

  /** The key making the request and the roles it acts with. */
  viewer(ctx: Context): { keyId: string; name: string; roles: Role[]; effectiveRoles: Role[] } {
    return { ...ctx.actor, effectiveRoles: effectiveRoles(ctx.actor.roles) };
  }

  /** Every key, newest first; secrets are never stored, so never shown. */
  list(ctx: Context): Promise<ApiKey[]> {
    return ctx.db.find(ApiKey, { order: { createdAt: 'DESC' } });
  }

  async revoke(tx: Context, id: string): Promise<ApiKey> {
    const key = isUuid(id) ? await tx.db.findOne(ApiKey, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!key) throwIfAny([userError('NOT_FOUND', ['id'], `no API key with id "${id}"`)]);
    if (key!.revokedAt) throwIfAny([userError('CONFLICT', ['id'], `API key "${id}" was already revoked`)]);
    key!.revokedAt = new Date();
    const saved = await tx.db.save(key!);
    await this.audit.record(tx, { action: 'apiKeyRevoke', entityType: 'API_KEY', entityKey: saved.id, before: { revokedAt: null }, after: { name: saved.name, roles: saved.roles, revokedAt: saved.revokedAt } });
    return saved;
  }

  async create(tx: Context, input: { name: string; roles: Role[]; expiresAt?: Date | null }): Promise<{ apiKey: ApiKey; secret: string }> {
    const errors = [];
    if (input.roles.length === 0) errors.push(userError('INVALID', ['input', 'roles'], 'give the key at least one role'));
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) errors.push(userError('INVALID', ['input', 'expiresAt'], 'expiresAt must be in the future'));
    throwIfAny(errors);
    const secret = newSecret();
    const apiKey = await tx.db.save(
      Object.assign(new ApiKey(), {
        name: input.name.trim(),
        roles: [...new Set(input.roles)],
        secretHash: hashSecret(secret),
        expiresAt: input.expiresAt ?? null,
        lastUsedAt: null,
        revokedAt: null,
      }),
    );
    await this.audit.record(tx, { action: 'apiKeyCreate', entityType: 'API_KEY', entityKey: apiKey.id, after: { name: apiKey.name, roles: apiKey.roles, expiresAt: apiKey.expiresAt } });
    return { apiKey, secret };
  }

  /**
   * Makes sure an ADMIN key with exactly this secret exists (STRATA_ADMIN_KEY), audited as
   * the system's. A revoked bootstrap key stays revoked: restarting does not bring it back.
   */
  async ensureAdminKey(ctx: Context, secret: string): Promise<void> {
    const rows: { id: string }[] = await ctx.db.query(
      `INSERT INTO api_key (name, roles, secret_hash) VALUES ($1, $2, $3) ON CONFLICT (secret_hash) DO NOTHING RETURNING id`,
      [BOOTSTRAP_KEY_NAME, [Role.ADMIN], hashSecret(secret)],
    );
    if (rows.length) {
      await this.audit.record(ctx, { action: 'apiKeyBootstrap', entityType: 'API_KEY', entityKey: rows[0].id, after: { name: BOOTSTRAP_KEY_NAME, roles: [Role.ADMIN] } });
      return;
    }
    const [existing]: { revoked_at: Date | null }[] = await ctx.db.query('SELECT revoked_at FROM api_key WHERE secret_hash = $1', [hashSecret(secret)]);
    if (existing?.revoked_at) logger.warn('the bootstrap admin key (STRATA_ADMIN_KEY) was revoked and stays revoked; set a new secret to bootstrap again');
  }
}
