import { MigrationInterface, QueryRunner } from 'typeorm';

/** Rule authoring: drafts, re-tier jobs, overrides and the audit log; assignments keep no explanation. */
export class RuleAuthoring1763884800000 implements MigrationInterface {
  name = 'RuleAuthoring1763884800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "audit_event" ("id" BIGSERIAL NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor_name" text NOT NULL, "actor_key_id" text NOT NULL, "action" text NOT NULL, "entity_type" text NOT NULL, "entity_key" text NOT NULL, "before" jsonb, "after" jsonb, "request_id" text, CONSTRAINT "PK_481efbe8b0a403efe3f47a6528f" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "audit_event_actor_idx" ON "audit_event"  ("actor_name", "id")`);
    await queryRunner.query(`CREATE INDEX "audit_event_entity_idx" ON "audit_event"  ("entity_type", "entity_key", "id")`);
    await queryRunner.query(`CREATE TABLE "retier_job" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "program_id" uuid NOT NULL, "version" integer NOT NULL, "status" text NOT NULL, "cursor" uuid, "processed" integer NOT NULL DEFAULT '0', "changed" integer NOT NULL DEFAULT '0', "total" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "lease_until" TIMESTAMP WITH TIME ZONE, "attempts" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_4c0cf6d4d713e273d744f6c1b3b" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "retier_job_open_idx" ON "retier_job"  ("status", "created_at")`);
    await queryRunner.query(`CREATE TABLE "rule_draft" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "program_id" uuid NOT NULL, "base_version" integer NOT NULL, "document" jsonb NOT NULL, "test_cases" jsonb NOT NULL DEFAULT '[]', "revision" integer NOT NULL DEFAULT '1', "status" text NOT NULL, "created_by" text NOT NULL, "last_editor_key_id" text NOT NULL, "last_edited_by" text NOT NULL, "submitted_by" text, "approved_by" text, "approver_key_id" text, "approved_at" TIMESTAMP WITH TIME ZONE, "published_version" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e2ba38adf805448ab44a35c1873" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "rule_draft_open_key" ON "rule_draft"  ("program_id") WHERE status IN ('EDITING', 'SUBMITTED', 'APPROVED')`);
    await queryRunner.query(`CREATE TABLE "tier_override" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_id" uuid NOT NULL, "program_id" uuid NOT NULL, "tier_key" text NOT NULL, "reason" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "created_by" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_cf8ca31be76af733117d0c046c9" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "tier_override_active_key" ON "tier_override"  ("customer_id", "program_id") WHERE revoked_at IS NULL`);
    await queryRunner.query(`ALTER TABLE "tier_assignment" DROP COLUMN "explanation"`);
    await queryRunner.query(`ALTER TABLE "tier_program" ADD "retiered_version" integer`);
    await queryRunner.query(`UPDATE "tier_program" SET "retiered_version" = "published_version"`);
    await queryRunner.query(`ALTER TABLE "retier_job" ADD CONSTRAINT "FK_1db1976cda52afac0056871bd6a" FOREIGN KEY ("program_id") REFERENCES "tier_program"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "rule_draft" ADD CONSTRAINT "FK_ab0ef0e0988109e77abe28746c2" FOREIGN KEY ("program_id") REFERENCES "tier_program"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tier_override" ADD CONSTRAINT "FK_d709e82772016e91be3376d9ed4" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tier_override" ADD CONSTRAINT "FK_b48efe1a8240e2bdf625ee15ac1" FOREIGN KEY ("program_id") REFERENCES "tier_program"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tier_override" DROP CONSTRAINT "FK_b48efe1a8240e2bdf625ee15ac1"`);
    await queryRunner.query(`ALTER TABLE "tier_override" DROP CONSTRAINT "FK_d709e82772016e91be3376d9ed4"`);
    await queryRunner.query(`ALTER TABLE "rule_draft" DROP CONSTRAINT "FK_ab0ef0e0988109e77abe28746c2"`);
    await queryRunner.query(`ALTER TABLE "retier_job" DROP CONSTRAINT "FK_1db1976cda52afac0056871bd6a"`);
    await queryRunner.query(`ALTER TABLE "tier_program" DROP COLUMN "retiered_version"`);
    await queryRunner.query(`ALTER TABLE "tier_assignment" ADD "explanation" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`DROP INDEX "public"."tier_override_active_key"`);
    await queryRunner.query(`DROP TABLE "tier_override"`);
    await queryRunner.query(`DROP INDEX "public"."rule_draft_open_key"`);
    await queryRunner.query(`DROP TABLE "rule_draft"`);
    await queryRunner.query(`DROP INDEX "public"."retier_job_open_idx"`);
    await queryRunner.query(`DROP TABLE "retier_job"`);
    await queryRunner.query(`DROP INDEX "public"."audit_event_entity_idx"`);
    await queryRunner.query(`DROP INDEX "public"."audit_event_actor_idx"`);
    await queryRunner.query(`DROP TABLE "audit_event"`);
  }
}
