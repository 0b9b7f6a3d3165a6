import { Client } from 'pg';
import { startService } from './service-process';

export interface AuditRun {
  attempted: number;
  acknowledged: number;
  kills: number;
  /** Stored changes (rows, or draft revisions) with no audit row. */
  changesWithoutAudit: string[];
  /** Changes a client was told succeeded but that are not stored. */
  acknowledgedButMissing: string[];
}

type Gql = (query: string, variables?: Record<string, unknown>) => Promise<{ data?: any; errors?: unknown[] }>;

/** One random audited change; returns what to look for in the database when it succeeds. */
async function randomChange(gql: Gql, n: number, customerId: string): Promise<string | null> {
  const choice = n % 8;
  if (choice === 0) {
    const res = await gql(`mutation($key: String!) { factDefine(input: { key: $key, type: NUMBER }) { fact { key } userErrors { code } } }`, { key: `r6f${n}` });
    return res.data?.factDefine?.fact ? `fact_definition:${res.data.factDefine.fact.key}` : null;
  }
  if (choice === 1) {
    const res = await gql(`mutation($key: String!) { entitlementDefine(input: { key: $key, name: "R6", valueType: BOOLEAN }) { entitlement { key } userErrors { code } } }`, { key: `r6e${n}` });
    return res.data?.entitlementDefine?.entitlement ? `entitlement_definition:${res.data.entitlementDefine.entitlement.key}` : null;
  }
  if (choice === 2 || choice === 3) {
    const res = await gql(`mutation($c: ID!) { entitlementGrant(input: { customerId: $c, key: "feeDiscountPct", value: 10, reason: "R6" }) { grant { id } userErrors { code } } }`, { c: customerId });
    const id = res.data?.entitlementGrant?.grant?.id;
    if (id && choice === 3) {
      const revoked = await gql(`mutation($id: ID!) { entitlementGrantRevoke(id: $id) { grant { id } userErrors { code } } }`, { id });
      return revoked.data?.entitlementGrantRevoke?.grant ? `revoked_grant:${id}` : `entitlement_grant:${id}`;
    }
    return id ? `entitlement_grant:${id}` : null;
  }
  if (choice === 4) {
    const res = await gql(`mutation($c: ID!, $t: String!) { tierOverrideSet(input: { customerId: $c, programKey: "retail-bank", tierKey: $t, reason: "R6" }) { override { id } userErrors { code } } }`, {
      c: customerId,
      t: ['A', 'B', 'C'][n % 3],
    });
    return res.data?.tierOverrideSet?.override ? `tier_override:${res.data.tierOverrideSet.override.id}` : null;
  }
  if (choice === 5) {
    const res = await gql(`mutation($name: String!) { apiKeyCreate(input: { name: $name, roles: [VIEWER] }) { apiKey { id } } }`, { name: `r6k${n}` });
    return res.data?.apiKeyCreate?.apiKey ? `api_key:${res.data.apiKeyCreate.apiKey.id}` : null;
  }
  // Drafts: open one, or edit or discard the open one at the revision read.
  const open = await gql(`{ ruleDrafts(programKey: "corporate-banking") { id revision document } }`);
  const draft = open.data?.ruleDrafts?.[0];
  if (!draft) {
    const res = await gql(`mutation { ruleDraftCreate(programKey: "corporate-banking") { draft { id revision } userErrors { code } } }`);
    const created = res.data?.ruleDraftCreate?.draft;
    return created ? `rule_draft:${created.id}:${created.revision}` : null;
  }
  if (choice === 6) {
    const document = { ...draft.document, tiers: draft.document.tiers.map((t: { name: string }, i: number) => (i === 0 ? { ...t, name: `R6 ${n}` } : t)) };
    const res = await gql(`mutation($id: ID!, $r: Int!, $d: JSONObject!) { ruleDraftUpdate(id: $id, revision: $r, document: $d) { draft { id revision } userErrors { code } } }`, {
      id: draft.id,
      r: draft.revision,
      d: document,
    });
    const edited = res.data?.ruleDraftUpdate?.draft;
    return edited ? `rule_draft:${edited.id}:${edited.revision}` : null;
  }
  const res = await gql(`mutation($id: ID!, $r: Int!) { ruleDraftDiscard(id: $id, revision: $r) { draft { id revision } userErrors { code } } }`, { id: draft.id, r: draft.revision });
  const discarded = res.data?.ruleDraftDiscard?.draft;
  return discarded ? `rule_draft:${discarded.id}:${discarded.revision}` : null;
}

/**
 * RELIABILITY.md R6: random audited changes against the built service, which is killed
 * with SIGKILL at random points `kills` times (and started again each time); then every
 * stored change must have its audit row, and every acknowledged change must be stored.
 */
export async function changesUnderKills(options: { databaseUrl: string; adminKey: string; changes: number; kills: number }): Promise<AuditRun> {
  const run: AuditRun = { attempted: 0, acknowledged: 0, kills: 0, changesWithoutAudit: [], acknowledgedButMissing: [] };
  const acknowledged: string[] = [];
  let customerId = '';
  let n = 0;
  for (let life = 0; life <= options.kills; life += 1) {
    const { child: service, base, exited } = await startService({ DATABASE_URL: options.databaseUrl, STRATA_ADMIN_KEY: options.adminKey, LOG_LEVEL: 'fatal' });
    const gql: Gql = async (query, variables) => {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.adminKey}` },
        body: JSON.stringify({ query, variables }),
      });
      return res.json() as Promise<{ data?: any; errors?: unknown[] }>;
    };
    if (!customerId) {
      const res = await gql(`mutation { customerUpsert(input: { externalId: "r6", name: "R6", facts: { customerType: "individual", balance: 1000 } }) { customer { id } } }`);
      customerId = res.data.customerUpsert.customer.id;
    }
    const lastLife = life === options.kills;
    const remaining = options.changes - run.attempted;
    const quota = lastLife ? remaining : Math.round(remaining / (options.kills + 1 - life));
    // In every life but the last, the kill comes at a random moment while changes are in flight.
    const killAfter = lastLife ? Infinity : Math.floor(quota * (0.3 + Math.random() * 0.7));
    let startedThisLife = 0;
    let alive = true;
    const workers = Array.from({ length: 4 }, async () => {
      while (alive && startedThisLife < quota) {
        startedThisLife += 1;
        n += 1;
        run.attempted += 1;
        if (startedThisLife >= killAfter && alive) {
          alive = false;
          service.kill('SIGKILL');
          run.kills += 1;
        }
        try {
          const change = await randomChange(gql, n, customerId);
          if (change) acknowledged.push(change);
        } catch {
          // The process died under this request: nothing was acknowledged.
        }
      }
    });
    await Promise.all(workers);
    if (lastLife) service.kill('SIGTERM');
    await exited;
  }
  run.acknowledged = acknowledged.length;

  const db = new Client({ connectionString: options.databaseUrl });
  await db.connect();
  try {
    const audited = async (entityType: string, key: string, action: string) =>
      (await db.query('SELECT 1 FROM audit_event WHERE entity_type = $1 AND entity_key = $2 AND action = $3', [entityType, key, action])).rowCount! > 0;
    const rows = async (sql: string) => (await db.query(sql)).rows as Record<string, string>[];
    for (const { key } of await rows(`SELECT key FROM fact_definition WHERE key LIKE 'r6f%'`)) if (!(await audited('FACT', key, 'factDefine'))) run.changesWithoutAudit.push(`fact ${key}`);
    for (const { key } of await rows(`SELECT key FROM entitlement_definition WHERE key LIKE 'r6e%'`)) {
      if (!(await audited('ENTITLEMENT', key, 'entitlementDefine'))) run.changesWithoutAudit.push(`entitlement ${key}`);
    }
    for (const { id, revoked } of await rows(`SELECT id, revoked_at IS NOT NULL AS revoked FROM entitlement_grant WHERE reason = 'R6'`)) {
      if (!(await audited('GRANT', id, 'entitlementGrant'))) run.changesWithoutAudit.push(`grant ${id}`);
      if (revoked && !(await audited('GRANT', id, 'entitlementGrantRevoke'))) run.changesWithoutAudit.push(`grant revoke ${id}`);
    }
    for (const { id } of await rows(`SELECT id FROM tier_override WHERE reason = 'R6'`)) if (!(await audited('OVERRIDE', id, 'tierOverrideSet'))) run.changesWithoutAudit.push(`override ${id}`);
    for (const { id } of await rows(`SELECT id FROM api_key WHERE name LIKE 'r6k%'`)) if (!(await audited('API_KEY', id, 'apiKeyCreate'))) run.changesWithoutAudit.push(`api key ${id}`);
    // A draft's revision counts its writes, each audited in its transaction.
    for (const { id, revision, audits } of await rows(
      `SELECT d.id, d.revision, (SELECT count(*) FROM audit_event a WHERE a.entity_type = 'RULE_DRAFT' AND a.entity_key = d.id::text)::int AS audits FROM rule_draft d`,
    )) {
      if (Number(audits) !== Number(revision)) run.changesWithoutAudit.push(`draft ${id}: revision ${revision}, ${audits} audit rows`);
    }

    for (const change of acknowledged) {
      const [table, id, revision] = change.split(':');
      const found =
        table === 'rule_draft'
          ? (await db.query('SELECT 1 FROM rule_draft WHERE id = $1 AND revision >= $2', [id, Number(revision)])).rowCount
          : table === 'revoked_grant'
            ? (await db.query('SELECT 1 FROM entitlement_grant WHERE id = $1 AND revoked_at IS NOT NULL', [id])).rowCount
            : (await db.query(`SELECT 1 FROM ${table} WHERE ${table.endsWith('definition') ? 'key' : 'id'} = $1`, [id])).rowCount;
      if (!found) run.acknowledgedButMissing.push(change);
    }
  } finally {
    await db.end();
  }
  return run;
}
