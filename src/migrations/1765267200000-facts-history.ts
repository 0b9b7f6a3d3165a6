import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The customer's facts kept once per change (facts_change) instead of copied into every
 * history row: a history row's facts are those in force at its instant. The facts history
 * rows kept become the first changes; each customer's current facts count from its last
 * write. Down puts each history row's facts back on it.
 */
export class FactsHistory1765267200000 implements MigrationInterface {
  name = 'FactsHistory1765267200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "facts_change" ("id" BIGSERIAL NOT NULL, "customer_id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "facts" jsonb NOT NULL, CONSTRAINT "PK_facts_change" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`INSERT INTO "facts_change" ("customer_id", "at", "facts") SELECT "customer_id", "at", "facts" FROM "tier_change" WHERE "facts" IS NOT NULL ORDER BY "id"`);
    await queryRunner.query(`INSERT INTO "facts_change" ("customer_id", "at", "facts") SELECT "id", "updated_at", "facts" FROM "customer" ORDER BY "updated_at"`);
    await queryRunner.query(`CREATE INDEX "facts_change_customer_idx" ON "facts_change" ("customer_id", "at", "id")`);
    await queryRunner.query(`ALTER TABLE "tier_change" DROP COLUMN "facts"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tier_change" ADD "facts" jsonb`);
    await queryRunner.query(
      `UPDATE "tier_change" h SET "facts" = (SELECT f."facts" FROM "facts_change" f WHERE f."customer_id" = h."customer_id" AND f."at" < h."at" + interval '1 millisecond'
                                             ORDER BY f."at" DESC, f."id" DESC LIMIT 1)`,
    );
    await queryRunner.query(`DROP TABLE "facts_change"`);
  }
}
