import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the index of history rows by program: no read uses it (history is read by customer,
 * by id, or by customer and program through tier_change_customer_idx), and every history
 * row a re-tier or a review writes paid for it (10 to 20 % of a review's time at 1,000,000
 * customers). Deleting a whole program's history (the trigger on tier_program, for a program
 * deleted by hand; the API deletes none) scans the table instead.
 */
export class HistoryProgramIndex1765267300000 implements MigrationInterface {
  name = 'HistoryProgramIndex1765267300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "tier_change_program_idx"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "tier_change_program_idx" ON "tier_change" ("program_id")`);
  }
}
