import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook endpoints, their deliveries (one per event and endpoint, retried) and each try's
 * log row (webhooks/). A customer's pending deliveries to an endpoint are found in feed order
 * by webhook_delivery_order_idx; due ones by webhook_delivery_due_idx.
 */
export class Webhooks1765353700000 implements MigrationInterface {
  name = 'Webhooks1765353700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "webhook_endpoint" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "url" text NOT NULL,
      "description" text NOT NULL DEFAULT '',
      "event_types" text array,
      "secret" text NOT NULL,
      "previous_secret" text,
      "previous_secret_until" TIMESTAMP WITH TIME ZONE,
      "enabled" boolean NOT NULL DEFAULT true,
      "disabled_reason" text,
      "owner_key_id" text NOT NULL,
      "owner_name" text NOT NULL,
      "feed_position" bigint NOT NULL DEFAULT '0',
      "feed_serial" bigint NOT NULL DEFAULT '0',
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_webhook_endpoint" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "webhook_delivery" (
      "id" BIGSERIAL NOT NULL,
      "endpoint_id" uuid NOT NULL,
      "event_position" bigint NOT NULL,
      "event_serial" bigint NOT NULL,
      "event_type" text NOT NULL,
      "customer_id" uuid,
      "status" text NOT NULL,
      "attempts" integer NOT NULL DEFAULT '0',
      "next_attempt_at" TIMESTAMP WITH TIME ZONE,
      "lease_until" TIMESTAMP WITH TIME ZONE,
      "last_attempt_at" TIMESTAMP WITH TIME ZONE,
      "last_status" integer,
      "last_latency_ms" integer,
      "last_error" text,
      "delivered_at" TIMESTAMP WITH TIME ZONE,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      CONSTRAINT "PK_webhook_delivery" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "webhook_delivery_endpoint_idx" ON "webhook_delivery" ("endpoint_id", "id")`);
    await queryRunner.query(`CREATE INDEX "webhook_delivery_due_idx" ON "webhook_delivery" ("endpoint_id", "next_attempt_at", "id") WHERE "status" = 'PENDING'`);
    await queryRunner.query(`CREATE INDEX "webhook_delivery_order_idx" ON "webhook_delivery" ("endpoint_id", "customer_id", "event_position", "event_serial") WHERE "status" = 'PENDING'`);
    await queryRunner.query(`CREATE TABLE "webhook_attempt" (
      "id" BIGSERIAL NOT NULL,
      "delivery_id" bigint NOT NULL,
      "attempt" integer NOT NULL,
      "at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "status" integer,
      "latency_ms" integer NOT NULL,
      "error" text,
      "next_attempt_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "PK_webhook_attempt" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "webhook_attempt_delivery_idx" ON "webhook_attempt" ("delivery_id", "attempt")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_attempt"`);
    await queryRunner.query(`DROP TABLE "webhook_delivery"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoint"`);
  }
}
