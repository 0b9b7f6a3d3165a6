import http from 'node:http';
import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { EntitlementCandidate, EntitlementPolicy, mergeEntitlements } from '../../src/engine';

/**
 * The API benchmark's baseline: the least a server can do to answer Strata's customer card
 * and batch entitlement calls. node:http and pg, no framework, no GraphQL; the API key
 * checked in one statement and everything else read in one more, from the stored
 * assignments (with active overrides), tier entitlement values and active grants, merged
 * with Strata's own pure function. Answers the same JSON Strata's queries do.
 *   POST /card          { "externalId": "…" }
 *   POST /entitlements  { "externalIds": ["…", …] }
 * Every answer says how many SQL statements it took in `x-sql-statements`; GET /healthz
 * answers 200 once it listens.
 */

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10, options: '-c jit=off' });
pool.on('error', (error) => process.stderr.write(`idle connection failed: ${error.message}\n`));

/** Tier entitlement values of every stored assignment, then active grants (tiers first, as Strata merges). */
const ENTITLEMENTS = `
  SELECT coalesce(json_agg(e ORDER BY e.grant_order, e.program_key, e.key), '[]') FROM (
    SELECT te.entitlement_key AS key, te.value, 'TIER' AS source, p.key AS program_key, t.key AS tier_key,
           NULL::uuid AS grant_id, NULL::timestamptz AS expires_at, d.value_type, d.better, 0 AS grant_order
      FROM tier_assignment a
      JOIN tier_program p ON p.id = a.program_id
      JOIN rule_set_version v ON v.program_id = p.id AND v.version = p.published_version
      JOIN tier t ON t.rule_set_version_id = v.id AND t.key = COALESCE(
             (SELECT o.tier_key FROM tier_override o WHERE o.customer_id = a.customer_id AND o.program_id = a.program_id
                 AND o.revoked_at IS NULL AND (o.expires_at IS NULL OR o.expires_at > now())), a.tier_key)
      JOIN tier_entitlement te ON te.tier_id = t.id
      JOIN entitlement_definition d ON d.key = te.entitlement_key
     WHERE a.customer_id = c.id
    UNION ALL
    SELECT g.entitlement_key, g.value, 'GRANT', NULL, NULL, g.id, g.expires_at, d.value_type, d.better,
           extract(epoch FROM g.created_at)
      FROM entitlement_grant g JOIN entitlement_definition d ON d.key = g.entitlement_key
     WHERE g.customer_id = c.id AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > now())) e`;

const CARD = `
  SELECT c.id, c.external_id, c.name, c.segment, c.facts,
         (SELECT json_build_object('key', t.key, 'name', t.name, 'rank', t.rank)
            FROM tier_assignment a
            JOIN tier_program p ON p.id = a.program_id AND p.key = 'retail-bank'
            JOIN rule_set_version v ON v.program_id = p.id AND v.version = p.published_version
            JOIN tier t ON t.rule_set_version_id = v.id AND t.key = a.tier_key
           WHERE a.customer_id = c.id) AS tier,
         (${ENTITLEMENTS}) AS entitlements
    FROM customer c WHERE c.external_id = $1`;

const BATCH = `
  SELECT c.external_id, (${ENTITLEMENTS}) AS entitlements
    FROM customer c WHERE c.external_id = ANY($1::text[])`;

interface Row {
  key: string;
  value: unknown;
  source: 'TIER' | 'GRANT';
  program_key: string | null;
  tier_key: string | null;
  grant_id: string | null;
  expires_at: string | null;
  value_type: EntitlementPolicy['valueType'];
  better: EntitlementPolicy['better'];
}

function merged(rows: Row[]) {
  const policies = new Map(rows.map((r) => [r.key, { valueType: r.value_type, better: r.better }]));
  const candidates: EntitlementCandidate[] = rows.map((r) => ({
    key: r.key,
    value: r.value,
    source: r.source,
    programKey: r.program_key,
    tierKey: r.tier_key,
    grantId: r.grant_id,
    expiresAt: r.expires_at ? new Date(r.expires_at) : null,
  }));
  return mergeEntitlements(candidates, (key) => policies.get(key)).map(({ key, value, source, programKey, tierKey }) => ({ key, value, source, programKey, tierKey }));
}

async function answer(path: string | undefined, body: Record<string, unknown>): Promise<unknown> {
  if (path === '/card') {
    const { rows } = await pool.query(CARD, [body.externalId]);
    const c = rows[0];
    if (!c) return { customer: null };
    return {
      customer: { id: c.id, externalId: c.external_id, name: c.name, segment: c.segment, facts: c.facts, tier: c.tier ? { tier: c.tier } : null, entitlements: merged(c.entitlements) },
    };
  }
  const externalIds = body.externalIds as string[];
  const { rows } = await pool.query(BATCH, [externalIds]);
  const byId = new Map(rows.map((r) => [r.external_id as string, r.entitlements as Row[]]));
  return {
    customerEntitlements: externalIds.map((externalId) => {
      const found = byId.get(externalId);
      return { externalId, found: found !== undefined, entitlements: found ? merged(found) : [] };
    }),
  };
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const secret = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const hash = createHash('sha256').update(secret, 'utf8').digest('hex');
      const key = await pool.query('SELECT roles FROM api_key WHERE secret_hash = $1 AND revoked_at IS NULL', [hash]);
      if (key.rowCount === 0) {
        res.writeHead(401, { 'content-type': 'application/json', 'x-sql-statements': '1' }).end('{"error":"unauthenticated"}');
        return;
      }
      const data = await answer(req.url, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json', 'x-sql-statements': '2' }).end(JSON.stringify({ data }));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
    }
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
