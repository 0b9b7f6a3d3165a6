import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each version says who published it and, for a version from a draft, who approved it:
 * the console's version list shows both. Earlier versions take them from the audit log.
 */
export class VersionPublisher1764921700000 implements MigrationInterface {
  name = 'VersionPublisher1764921700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rule_set_version" ADD "published_by" text`);
    await queryRunner.query(`ALTER TABLE "rule_set_version" ADD "approved_by" text`);
    await queryRunner.query(
      `UPDATE rule_set_version v SET published_by = a.actor_name, approved_by = a.after->>'approvedBy'
         FROM audit_event a JOIN tier_program p ON p.key = a.entity_key
        WHERE a.entity_type = 'PROGRAM' AND a.action IN ('ruleDraftPublish', 'ruleSetRollback', 'ruleFilePublish')
          AND p.id = v.program_id AND a.after->>'version' = v.version::text`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rule_set_version" DROP COLUMN "approved_by"`);
    await queryRunner.query(`ALTER TABLE "rule_set_version" DROP COLUMN "published_by"`);
  }
}
