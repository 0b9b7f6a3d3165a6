import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The time layer's state beside each stored verdict: the tier a time policy holds above it,
 * when the customer entered the tier shown, since when the verdict is below, and when the
 * held tier falls. Existing customers entered their tier at their last history row.
 */
export class HeldTiers1765180800000 implements MigrationInterface {
  name = 'HeldTiers1765180800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "tier_assignment" ADD "held_tier_key" text, ADD "tier_since" TIMESTAMP WITH TIME ZONE, ADD "below_since" TIMESTAMP WITH TIME ZONE, ADD "drop_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `UPDATE "tier_assignment" a
          SET "tier_since" = COALESCE((SELECT max(c.at) FROM "tier_change" c WHERE c.customer_id = a.customer_id AND c.program_id = a.program_id), a.evaluated_at)`,
    );
    await queryRunner.query(`ALTER TABLE "tier_assignment" ALTER COLUMN "tier_since" SET DEFAULT now(), ALTER COLUMN "tier_since" SET NOT NULL`);
    await queryRunner.query(`CREATE INDEX "tier_assignment_drop_idx" ON "tier_assignment" ("drop_at") WHERE drop_at IS NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "tier_assignment_drop_idx"`);
    await queryRunner.query(`ALTER TABLE "tier_assignment" DROP COLUMN "drop_at", DROP COLUMN "below_since", DROP COLUMN "tier_since", DROP COLUMN "held_tier_key"`);
  }
}
