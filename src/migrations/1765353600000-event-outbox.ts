import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox (issue 16): `event`, appended in the transactions of the changes it reports and
 * read in (position, id) order, its primary key, or by customer; `customer_event_pruned`,
 * how many of each customer's events were pruned (event-log.ts). Each statement that appends
 * events notifies strata_events, delivered at commit: the wake-up of subscriptions
 * (event-wake.ts). Nothing is backfilled: the feed starts here.
 */
export class EventOutbox1765353600000 implements MigrationInterface {
  name = 'EventOutbox1765353600000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "event" (
      "position" bigint NOT NULL,
      "id" BIGSERIAL NOT NULL,
      "type" text NOT NULL,
      "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "customer_id" uuid,
      "program_key" text,
      "payload" jsonb NOT NULL,
      CONSTRAINT "PK_event" PRIMARY KEY ("position", "id"))`);
    await queryRunner.query(`CREATE INDEX "event_customer_idx" ON "event" ("customer_id", "position", "id") WHERE "customer_id" IS NOT NULL`);
    await queryRunner.query(`CREATE FUNCTION "event_appended_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('strata_events', ''); RETURN NULL; END $$`);
    await queryRunner.query(`CREATE TRIGGER "event_appended" AFTER INSERT ON "event" FOR EACH STATEMENT EXECUTE FUNCTION "event_appended_notify"()`);
    await queryRunner.query(`CREATE TABLE "customer_event_pruned" (
      "customer_id" uuid NOT NULL,
      "pruned" bigint NOT NULL,
      CONSTRAINT "PK_customer_event_pruned" PRIMARY KEY ("customer_id"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "customer_event_pruned"`);
    await queryRunner.query(`DROP TABLE "event"`);
    await queryRunner.query(`DROP FUNCTION "event_appended_notify"()`);
  }
}
