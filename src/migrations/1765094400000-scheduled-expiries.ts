import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Time's own writes: an override or grant whose instant has passed is marked once its expiry
 * is recorded (history row, audit), and the scheduler's tasks keep when each is next due and
 * which process holds it.
 */
export class ScheduledExpiries1765094400000 implements MigrationInterface {
  name = 'ScheduledExpiries1765094400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tier_override" ADD "expiry_recorded_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "entitlement_grant" ADD "expiry_recorded_at" TIMESTAMP WITH TIME ZONE`);
    // Overrides and grants that already expired before Strata recorded expiries are not replayed.
    await queryRunner.query(`UPDATE "tier_override" SET "expiry_recorded_at" = "expires_at" WHERE "expires_at" <= now() AND "revoked_at" IS NULL`);
    await queryRunner.query(`UPDATE "entitlement_grant" SET "expiry_recorded_at" = "expires_at" WHERE "expires_at" <= now() AND "revoked_at" IS NULL`);
    // Only expiries still to record are indexed: the sweep reads the few that are due.
    await queryRunner.query(
      `CREATE INDEX "tier_override_pending_expiry_idx" ON "tier_override" ("expires_at") WHERE expires_at IS NOT NULL AND revoked_at IS NULL AND expiry_recorded_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "entitlement_grant_pending_expiry_idx" ON "entitlement_grant" ("expires_at") WHERE expires_at IS NOT NULL AND revoked_at IS NULL AND expiry_recorded_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "scheduled_task" ("name" text NOT NULL, "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "lease_until" TIMESTAMP WITH TIME ZONE, "runs" integer NOT NULL DEFAULT '0', "last_started_at" TIMESTAMP WITH TIME ZONE, "last_finished_at" TIMESTAMP WITH TIME ZONE, "last_error" text, CONSTRAINT "PK_scheduled_task" PRIMARY KEY ("name"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "scheduled_task"`);
    await queryRunner.query(`DROP INDEX "entitlement_grant_pending_expiry_idx"`);
    await queryRunner.query(`DROP INDEX "tier_override_pending_expiry_idx"`);
    await queryRunner.query(`ALTER TABLE "entitlement_grant" DROP COLUMN "expiry_recorded_at"`);
    await queryRunner.query(`ALTER TABLE "tier_override" DROP COLUMN "expiry_recorded_at"`);
  }
}
