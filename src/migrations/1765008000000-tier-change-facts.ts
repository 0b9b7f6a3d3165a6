import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each history row keeps the customer's facts as they were when the shown tier changed, so
 * a dispute about a past date is explained with the facts and rules of then (Customer.tierAt).
 * Rows written before have none.
 */
export class TierChangeFacts1765008000000 implements MigrationInterface {
  name = 'TierChangeFacts1765008000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // No index for tierAt: it reads one customer's rows through tier_change_customer_idx (a
    // customer has few), and another index on tier_change would slow every re-tier's history.
    await queryRunner.query(`ALTER TABLE "tier_change" ADD "facts" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tier_change" DROP COLUMN "facts"`);
  }
}
