import { MigrationInterface, QueryRunner } from 'typeorm';

/** Customers, catalogs, programs with versioned rule sets, assignments, history, API keys. */
export class Initial1763798400000 implements MigrationInterface {
  name = 'Initial1763798400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "api_key" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "roles" text array NOT NULL, "secret_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_b1bd840641b8acbaad89c3d8d11" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "api_key_secret_hash_key" ON "api_key"  ("secret_hash") `);
    await queryRunner.query(`CREATE TABLE "customer" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "external_id" text NOT NULL, "name" text NOT NULL, "segment" text, "facts" jsonb NOT NULL DEFAULT '{}', "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a7a13f4cacb744524e44dfdad32" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "customer_external_id_key" ON "customer"  ("external_id") `);
    await queryRunner.query(`CREATE INDEX "customer_segment_idx" ON "customer"  ("segment") `);
    await queryRunner.query(`CREATE TABLE "entitlement_definition" ("key" text NOT NULL, "name" text NOT NULL, "description" text, "value_type" text NOT NULL, "better" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8509c11890a54a0177ff4262cef" PRIMARY KEY ("key"))`);
    await queryRunner.query(`CREATE TABLE "entitlement_grant" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_id" uuid NOT NULL, "entitlement_key" text NOT NULL, "value" jsonb NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE, "reason" text NOT NULL, "granted_by" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_fc574b0b8c9996a6d0afb556b7a" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "entitlement_grant_customer_idx" ON "entitlement_grant"  ("customer_id") `);
    await queryRunner.query(`CREATE TABLE "tier_program" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "key" text NOT NULL, "name" text NOT NULL, "description" text, "published_version" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4e1455ccef886c38911268414ad" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "tier_program_key_key" ON "tier_program"  ("key") `);
    await queryRunner.query(`CREATE TABLE "tier_assignment" ("customer_id" uuid NOT NULL, "program_id" uuid NOT NULL, "tier_key" text, "rule_version" integer NOT NULL, "source" text NOT NULL DEFAULT 'RULE', "explanation" jsonb NOT NULL, "evaluated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_a8a8457c0b3a1d4637c23fa12fd" PRIMARY KEY ("customer_id", "program_id"))`);
    await queryRunner.query(`CREATE INDEX "tier_assignment_program_tier_idx" ON "tier_assignment"  ("program_id", "tier_key", "customer_id") `);
    await queryRunner.query(`CREATE TABLE "tier_change" ("id" BIGSERIAL NOT NULL, "customer_id" uuid NOT NULL, "program_id" uuid NOT NULL, "program_key" text NOT NULL, "from_tier_key" text, "to_tier_key" text, "cause" text NOT NULL, "rule_version" integer, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_74a418f324b9335086c08380653" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "tier_change_customer_idx" ON "tier_change"  ("customer_id", "id") `);
    await queryRunner.query(`CREATE TABLE "fact_definition" ("key" text NOT NULL, "type" text NOT NULL, "description" text, "unit" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_f0d3bd45d710c23f045cf4c66a4" PRIMARY KEY ("key"))`);
    await queryRunner.query(`CREATE TABLE "tier_entitlement" ("tier_id" uuid NOT NULL, "entitlement_key" text NOT NULL, "value" jsonb NOT NULL, CONSTRAINT "PK_83187d0f6af302a5ca890feca1d" PRIMARY KEY ("tier_id", "entitlement_key"))`);
    await queryRunner.query(`CREATE TABLE "tier" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "rule_set_version_id" uuid NOT NULL, "key" text NOT NULL, "name" text NOT NULL, "rank" integer NOT NULL, "rule" jsonb NOT NULL, CONSTRAINT "PK_14d67ceef0dbea040e39e97e7f6" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "tier_version_rank_key" ON "tier"  ("rule_set_version_id", "rank") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "tier_version_key_key" ON "tier"  ("rule_set_version_id", "key") `);
    await queryRunner.query(`CREATE TABLE "rule_set_version" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "program_id" uuid NOT NULL, "version" integer NOT NULL, "status" text NOT NULL, "document" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "published_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_74fdfac0dbb28a127636a028f7f" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "rule_set_version_program_version_key" ON "rule_set_version"  ("program_id", "version") `);
    await queryRunner.query(`ALTER TABLE "entitlement_grant" ADD CONSTRAINT "FK_20ccfcda986f7dc7992752629bc" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "entitlement_grant" ADD CONSTRAINT "FK_6507bd444f070471fa582c4ccd6" FOREIGN KEY ("entitlement_key") REFERENCES "entitlement_definition"("key") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tier_assignment" ADD CONSTRAINT "FK_0a2dbcf20847faba8d8a358882c" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tier_assignment" ADD CONSTRAINT "FK_ae6466cf5cb249a24196b1bb401" FOREIGN KEY ("program_id") REFERENCES "tier_program"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tier_change" ADD CONSTRAINT "FK_d98e401cb4dac19846ca5b60459" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tier_change" ADD CONSTRAINT "FK_ed11e0827389fdaf247a8261974" FOREIGN KEY ("program_id") REFERENCES "tier_program"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tier_entitlement" ADD CONSTRAINT "FK_4a6b99527d409f4d2134f96e1cb" FOREIGN KEY ("tier_id") REFERENCES "tier"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tier_entitlement" ADD CONSTRAINT "FK_954dba958f174016d34b5913d4e" FOREIGN KEY ("entitlement_key") REFERENCES "entitlement_definition"("key") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "tier" ADD CONSTRAINT "FK_a5df9e756facce4ba7aa1b6513b" FOREIGN KEY ("rule_set_version_id") REFERENCES "rule_set_version"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "rule_set_version" ADD CONSTRAINT "FK_6978ea21d9db1400ebe252a3827" FOREIGN KEY ("program_id") REFERENCES "tier_program"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rule_set_version" DROP CONSTRAINT "FK_6978ea21d9db1400ebe252a3827"`);
    await queryRunner.query(`ALTER TABLE "tier" DROP CONSTRAINT "FK_a5df9e756facce4ba7aa1b6513b"`);
    await queryRunner.query(`ALTER TABLE "tier_entitlement" DROP CONSTRAINT "FK_954dba958f174016d34b5913d4e"`);
    await queryRunner.query(`ALTER TABLE "tier_entitlement" DROP CONSTRAINT "FK_4a6b99527d409f4d2134f96e1cb"`);
    await queryRunner.query(`ALTER TABLE "tier_change" DROP CONSTRAINT "FK_ed11e0827389fdaf247a8261974"`);
    await queryRunner.query(`ALTER TABLE "tier_change" DROP CONSTRAINT "FK_d98e401cb4dac19846ca5b60459"`);
    await queryRunner.query(`ALTER TABLE "tier_assignment" DROP CONSTRAINT "FK_ae6466cf5cb249a24196b1bb401"`);
    await queryRunner.query(`ALTER TABLE "tier_assignment" DROP CONSTRAINT "FK_0a2dbcf20847faba8d8a358882c"`);
    await queryRunner.query(`ALTER TABLE "entitlement_grant" DROP CONSTRAINT "FK_6507bd444f070471fa582c4ccd6"`);
    await queryRunner.query(`ALTER TABLE "entitlement_grant" DROP CONSTRAINT "FK_20ccfcda986f7dc7992752629bc"`);
    await queryRunner.query(`DROP INDEX "public"."rule_set_version_program_version_key"`);
    await queryRunner.query(`DROP TABLE "rule_set_version"`);
    await queryRunner.query(`DROP INDEX "public"."tier_version_key_key"`);
    await queryRunner.query(`DROP INDEX "public"."tier_version_rank_key"`);
    await queryRunner.query(`DROP TABLE "tier"`);
    await queryRunner.query(`DROP TABLE "tier_entitlement"`);
    await queryRunner.query(`DROP TABLE "fact_definition"`);
    await queryRunner.query(`DROP INDEX "public"."tier_change_customer_idx"`);
    await queryRunner.query(`DROP TABLE "tier_change"`);
    await queryRunner.query(`DROP INDEX "public"."tier_assignment_program_tier_idx"`);
    await queryRunner.query(`DROP TABLE "tier_assignment"`);
    await queryRunner.query(`DROP INDEX "public"."tier_program_key_key"`);
    await queryRunner.query(`DROP TABLE "tier_program"`);
    await queryRunner.query(`DROP INDEX "public"."entitlement_grant_customer_idx"`);
    await queryRunner.query(`DROP TABLE "entitlement_grant"`);
    await queryRunner.query(`DROP TABLE "entitlement_definition"`);
    await queryRunner.query(`DROP INDEX "public"."customer_segment_idx"`);
    await queryRunner.query(`DROP INDEX "public"."customer_external_id_key"`);
    await queryRunner.query(`DROP TABLE "customer"`);
    await queryRunner.query(`DROP INDEX "public"."api_key_secret_hash_key"`);
    await queryRunner.query(`DROP TABLE "api_key"`);
  }
}
