import { MigrationInterface, QueryRunner } from 'typeorm';

/** Re-tier jobs stage their changes set-wise and restage after a crash: no cursor is kept. */
export class SetBasedRetier1764057600000 implements MigrationInterface {
  name = 'SetBasedRetier1764057600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "retier_job" DROP COLUMN "cursor"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "retier_job" ADD "cursor" uuid`);
  }
}
