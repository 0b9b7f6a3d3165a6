import { createServices } from '../../src/server';
import { BenchDatabase, BenchOptions, RULE_CHANGES, changed, publishedProgram, seconds, summary, timed } from './support';
import { expectStoredTiers, restore, seededRows, settle, strataRetier } from './retier';

const PROGRAM = 'retail-bank';

/**
 * What the outbox costs a re-tier: the same publish and job, runs interleaved, with events on
 * (each moved customer's tier.changed written in the statement that writes its history row,
 * and the job's retier.finished) and off (the same services with the outbox turned off: what
 * Strata wrote before it). Each run starts from the seed's history and events.
 */
export async function benchEvents(options: BenchOptions, db: BenchDatabase): Promise<void> {
  const original = (await publishedProgram(db, PROGRAM)).version.document;
  const eventsOff = createServices({}, false).retierStage;
  for (const change of RULE_CHANGES) {
    const next = changed(original, change);
    const times = { on: [] as number[], off: [] as number[] };
    let moving = 0;
    let events = 0;
    const seeded = await seededRows(db);
    for (let run = 0; run < options.runs; run += 1) {
      await settle(db);
      const on = await timed(() => strataRetier(db, next));
      times.on.push(on.ms);
      moving = on.result;
      [{ events }] = await db.dataSource.query(`SELECT count(*)::int AS events FROM event WHERE id > $1 AND type = 'tier.changed'`, [seeded.events]);
      await expectStoredTiers(db, next, 'Strata, events on');
      await restore(db, original, seeded);

      times.off.push((await timed(() => strataRetier(db, next, eventsOff))).ms);
      await expectStoredTiers(db, next, 'Strata, events off');
      await restore(db, original, seeded);
      options.log(
        `  re-tier ${db.customers.toLocaleString('en')}, ${change.name}, run ${run + 1}/${options.runs}: events on ${seconds(times.on.at(-1)!)} s (${events.toLocaleString('en')} tier.changed), off ${seconds(times.off.at(-1)!)} s`,
      );
    }
    const on = summary(times.on.map(seconds), 2);
    const off = summary(times.off.map(seconds), 2);
    options.report({
      suite: 'events',
      figure: 're-tier with events on and off',
      customers: db.customers,
      change: change.name,
      moving,
      tierChangedEvents: events,
      eventsOnSeconds: on,
      eventsOffSeconds: off,
      onToOff: Number((on.median / off.median).toFixed(2)),
    });
  }
}
