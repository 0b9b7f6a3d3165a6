import { MigrationInterface, QueryRunner } from 'typeorm';

/** Idempotency keys on integrator writes (customerUpsert, customerFactsUpdate, entitlementGrant). */
export class IdempotentRequests1764144000000 implements MigrationInterface {
  name = 'IdempotentRequests1764144000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "idempotent_request" (
      "api_key_id" uuid NOT NULL,
      "idempotency_key" text NOT NULL,
      "operation" text NOT NULL,
      "request_hash" text NOT NULL,
      "response" jsonb,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_idempotent_request" PRIMARY KEY ("api_key_id", "idempotency_key"))`);
    await queryRunner.query(`CREATE INDEX "idempotent_request_created_idx" ON "idempotent_request" ("created_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "idempotent_request"`);
  }
}
