import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customers searchable by the start of their name (any case) or externalId, and ordered
 * by name or last update, without reading every row: prefix indexes (text_pattern_ops, so
 * LIKE 'x%' uses them under any collation) and keyset indexes ending in id.
 */
export class CustomerSearch1764835200000 implements MigrationInterface {
  name = 'CustomerSearch1764835200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "customer_name_prefix_idx" ON "customer" (lower("name") text_pattern_ops)`);
    await queryRunner.query(`CREATE INDEX "customer_external_id_prefix_idx" ON "customer" ("external_id" text_pattern_ops)`);
    await queryRunner.query(`CREATE INDEX "customer_name_order_idx" ON "customer" ("name", "id")`);
    await queryRunner.query(`CREATE INDEX "customer_updated_order_idx" ON "customer" ("updated_at", "id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "customer_updated_order_idx"`);
    await queryRunner.query(`DROP INDEX "customer_name_order_idx"`);
    await queryRunner.query(`DROP INDEX "customer_external_id_prefix_idx"`);
    await queryRunner.query(`DROP INDEX "customer_name_prefix_idx"`);
  }
}
