import { createHash, randomBytes } from 'node:crypto';
import { EntityManager, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Context } from '../context';
import { throwIfAny, userError } from '../shared/user-error';
import { Actor } from './actor';
import { ApiKey } from './api-key.entity';
import { Role } from '../shared/role';

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

  /** The actor for an `Authorization: Bearer …` header, or null when the key is unknown. */
  async authenticate(db: EntityManager, authorization: string | undefined): Promise<Actor | null> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return null;
    const key = await db.findOne(ApiKey, { where: { secretHash: hashSecret(match[1]), revokedAt: IsNull() } });
    return key ? { keyId: key.id, name: key.name, roles: key.roles } : null;
  }

  async create(tx: Context, input: { name: string; roles: Role[] }): Promise<{ apiKey: ApiKey; secret: string }> {
    if (input.roles.length === 0) throwIfAny([userError('INVALID', ['input', 'roles'], 'give the key at least one role')]);
    const secret = newSecret();
    const apiKey = await tx.db.save(
      Object.assign(new ApiKey(), { name: input.name.trim(), roles: [...new Set(input.roles)], secretHash: hashSecret(secret), revokedAt: null }),
    );
    await this.audit.record(tx, { action: 'apiKeyCreate', entityType: 'API_KEY', entityKey: apiKey.id, after: { name: apiKey.name, roles: apiKey.roles } });
    return { apiKey, secret };
  }

  /** Makes sure an ADMIN key with exactly this secret exists (STRATA_ADMIN_KEY). */
  async ensureAdminKey(db: EntityManager, secret: string): Promise<void> {
    await db.query(
      `INSERT INTO api_key (name, roles, secret_hash) VALUES ($1, $2, $3)
       ON CONFLICT (secret_hash) DO UPDATE SET roles = EXCLUDED.roles, revoked_at = NULL`,
      [BOOTSTRAP_KEY_NAME, [Role.ADMIN], hashSecret(secret)],
    );
  }
}
