import { MigrationInterface, QueryRunner } from 'typeorm';

/** NUMBER entitlements say their unit (%, hours), so values can be shown as "50 %" without the catalog. */
export class EntitlementUnit1764835300000 implements MigrationInterface {
  name = 'EntitlementUnit1764835300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "entitlement_definition" ADD "unit" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "entitlement_definition" DROP COLUMN "unit"`);
  }
}
