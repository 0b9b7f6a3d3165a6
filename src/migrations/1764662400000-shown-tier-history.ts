import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * History means one thing: a row whenever the shown tier changes, with the rules' verdict
 * beside it (`rules_tier_key`; earlier rows recorded the rules' tier, so it is copied).
 * A deleted customer's history stays, as a bank keeps the record (the customer's delete is
 * audited). Re-tier jobs carry the cause their history rows get (seeding writes CREATED).
 */
export class ShownTierHistory1764662400000 implements MigrationInterface {
  name = 'ShownTierHistory1764662400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tier_change" ADD "rules_tier_key" text`);
    await queryRunner.query(`UPDATE "tier_change" SET "rules_tier_key" = "to_tier_key" WHERE "cause" <> 'OVERRIDE'`);
    await queryRunner.query(`DROP TRIGGER "tier_change_customer_delete" ON "customer"`);
    await queryRunner.query(`DROP FUNCTION "tier_change_delete_with_customers"()`);
    await queryRunner.query(`ALTER TABLE "retier_job" ADD "cause" text NOT NULL DEFAULT 'RULE_PUBLISH'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "retier_job" DROP COLUMN "cause"`);
    await queryRunner.query(`CREATE FUNCTION "tier_change_delete_with_customers"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN DELETE FROM tier_change h USING deleted d WHERE h.customer_id = d.id; RETURN NULL; END $$`);
    await queryRunner.query(`CREATE TRIGGER "tier_change_customer_delete" AFTER DELETE ON "customer"
      REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "tier_change_delete_with_customers"()`);
    await queryRunner.query(`ALTER TABLE "tier_change" DROP COLUMN "rules_tier_key"`);
  }
}
