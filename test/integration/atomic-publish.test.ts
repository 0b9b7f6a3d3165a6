import { ProgramDocument } from '../../src/programs/rule-set-version.entity';
import { TierProgram } from '../../src/programs/tier-program.entity';
import { withTransaction } from '../../src/shared/transaction';
import { TestApp, startTestApp } from '../helpers/app';

const VERSIONS = 200;
const READERS = 4;
const BALANCE = 500_000;

/**
 * RELIABILITY.md R5: readers query a program while 200 versions are published. Version k
 * names every tier "… @k" and puts tier A's threshold below or above the reader's balance
 * by k's parity, so one answer shows whether its tiers, its version number and its
 * evaluation all come from one version.
 */
describe('publishing is atomic for readers', () => {
  let app: TestApp;
  let base: ProgramDocument;
  beforeAll(async () => {
    app = await startTestApp({ retier: { start: false }, costLimits: { maxCost: 5_000, bucketSize: 1e9, restorePerSecond: 1e9 } });
    const [row] = await app.db.dataSource.query(
      `SELECT v.document FROM rule_set_version v JOIN tier_program p ON p.id = v.program_id AND v.version = p.published_version WHERE p.key = 'retail-bank'`,
    );
    base = row.document;
    await app.gql(`mutation { customerUpsert(input: { externalId: "r5", name: "R5", facts: { customerType: "individual", balance: ${BALANCE} } }) { userErrors { message } } }`);
  });
  afterAll(() => app.close());

  /** Version `k` of the program: tier names tagged with k; A within reach for odd k only. */
  function documentFor(k: number): ProgramDocument {
    return {
      ...base,
      tiers: base.tiers.map((tier) => ({
        ...tier,
        name: `${tier.name.replace(/ @\d+$/, '')} @${k}`,
        conditions:
          tier.key === 'A'
            ? { all: [{ fact: 'balance', operator: 'greaterThanInclusive', value: k % 2 ? BALANCE - 1 : BALANCE + 1 }] }
            : tier.conditions,
      })),
    };
  }

  it(`shows ${READERS} readers one whole version at a time, never going back, while ${VERSIONS} versions are published`, async () => {
    const first: number = (await app.db.dataSource.query(`SELECT published_version FROM tier_program WHERE key = 'retail-bank'`))[0].published_version;
    let publishing = true;
    const publisher = (async () => {
      try {
        for (let i = 1; i <= VERSIONS; i += 1) {
          await withTransaction(app.systemContext(), async (tx) => {
            const program = await tx.db.findOneOrFail(TierProgram, { where: { key: 'retail-bank' } });
            await app.strata.services.publisher.publish(tx, program, documentFor(first + i), 'ruleFilePublish', { file: 'atomic-publish.test' });
          });
        }
      } finally {
        publishing = false;
      }
    })();

    const mixed: unknown[] = [];
    const wentBack: unknown[] = [];
    let answers = 0;
    const versionsSeen = new Set<number>();
    await Promise.all(
      Array.from({ length: READERS }, async (_, reader) => {
        let last = 0;
        while (publishing) {
          const res = await app.gql(
            `query($facts: JSONObject!) {
              tierProgram(key: "retail-bank") { publishedVersion { version } tiers { key name } }
              evaluate(programKey: "retail-bank", facts: $facts) { ruleVersion tier { key name } }
              customer(externalId: "r5") { tier(programKey: "retail-bank") { ruleVersion tier { key name } } }
            }`,
            { facts: { customerType: 'individual', balance: BALANCE } },
          );
          answers += 1;
          const { tierProgram, evaluate, customer } = res.data;
          const version: number = tierProgram.publishedVersion.version;
          const tags = new Set([
            version,
            evaluate.ruleVersion,
            customer.tier.ruleVersion,
            ...[...tierProgram.tiers, evaluate.tier, customer.tier.tier].map((t: { name: string }) => Number(/@(\d+)$/.exec(t.name)?.[1] ?? first)),
          ]);
          // Version `first` is the original document, whose tier A needs 500,000: reached.
          const expectedTier = version === first || version % 2 ? 'A' : 'A_SUB';
          if (tags.size !== 1 || evaluate.tier.key !== expectedTier || customer.tier.tier.key !== expectedTier) mixed.push({ reader, version, tags: [...tags], evaluate, customer });
          if (version < last) wentBack.push({ reader, last, version });
          last = version;
          versionsSeen.add(version);
        }
      }),
    );
    await publisher;
    expect({ mixed, wentBack }).toEqual({ mixed: [], wentBack: [] });
    expect(answers).toBeGreaterThan(READERS * 10);
    expect(versionsSeen.size).toBeGreaterThan(10);
  });
});
