import { changesUnderKills } from '../helpers/audit-under-kills';
import { TestApp, startTestApp } from '../helpers/app';

/**
 * RELIABILITY.md R6, short: random audited changes (facts, entitlements, grants and their
 * revocation, overrides, API keys, draft edits) while the built service is SIGKILLed at
 * random points. `npm run reliability -- r6` runs RELIABILITY.md's 1,000 changes and 20 kills.
 */
describe('audit under kill -9', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false } });
  });
  afterAll(() => app.close());

  it('leaves no stored change without its audit row and loses no acknowledged change, over 5 kills', async () => {
    const run = await changesUnderKills({ databaseUrl: app.db.url, adminKey: app.adminKey, changes: 240, kills: 5 });
    expect({ kills: run.kills, changesWithoutAudit: run.changesWithoutAudit, acknowledgedButMissing: run.acknowledgedButMissing }).toEqual({
      kills: 5,
      changesWithoutAudit: [],
      acknowledgedButMissing: [],
    });
    expect(run.acknowledged).toBeGreaterThan(100);
  });
});
