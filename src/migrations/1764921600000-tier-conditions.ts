import { MigrationInterface, QueryRunner } from 'typeorm';

/** Rewrites every tier of a document held in `table.document` with `tier` (a jsonb expression over t). */
const rewriteTiers = (table: string, tier: string) => `
  UPDATE "${table}" SET "document" = jsonb_set("document", '{tiers}', (
    SELECT coalesce(jsonb_agg(${tier} ORDER BY i), '[]'::jsonb) FROM jsonb_array_elements("document"->'tiers') WITH ORDINALITY AS x(t, i)))
  WHERE jsonb_typeof("document"->'tiers') = 'array'`;

/**
 * Conditions in one shape: a tier's criteria are stored as the bare condition tree
 * `{ all | any | not }` that appliesTo and every read already use, no longer wrapped as a
 * json-rules-engine rule `{ conditions }`. Versions, drafts and tiers are rewritten; audit
 * rows keep what was written at the time.
 */
export class TierConditions1764921600000 implements MigrationInterface {
  name = 'TierConditions1764921600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tier" RENAME COLUMN "rule" TO "conditions"`);
    await queryRunner.query(`UPDATE "tier" SET "conditions" = "conditions"->'conditions' WHERE "conditions" ? 'conditions'`);
    for (const table of ['rule_set_version', 'rule_draft']) {
      await queryRunner.query(rewriteTiers(table, `CASE WHEN t ? 'rule' THEN (t - 'rule') || jsonb_build_object('conditions', t->'rule'->'conditions') ELSE t END`));
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['rule_set_version', 'rule_draft']) {
      await queryRunner.query(rewriteTiers(table, `CASE WHEN t ? 'conditions' THEN (t - 'conditions') || jsonb_build_object('rule', jsonb_build_object('conditions', t->'conditions')) ELSE t END`));
    }
    await queryRunner.query(`UPDATE "tier" SET "conditions" = jsonb_build_object('conditions', "conditions")`);
    await queryRunner.query(`ALTER TABLE "tier" RENAME COLUMN "conditions" TO "rule"`);
  }
}
