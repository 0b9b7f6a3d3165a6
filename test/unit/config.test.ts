import { loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('reads the cost limits, with defaults', () => {
    expect(loadConfig({}).costLimits).toEqual({ maxCost: 5_000, bucketSize: 20_000, restorePerSecond: 1_000 });
    expect(loadConfig({ STRATA_MAX_QUERY_COST: '800', STRATA_COST_BUCKET: '1600', STRATA_COST_RESTORE_PER_SECOND: '40' }).costLimits).toEqual({
      maxCost: 800,
      bucketSize: 1_600,
      restorePerSecond: 40,
    });
  });

  it('names each bad setting and why', () => {
    expect(() => loadConfig({ STRATA_MAX_QUERY_COST: 'lots', PORT: '-1' })).toThrow(
      'Invalid configuration: PORT must be a whole number from 0 to 65535, got "-1"; STRATA_MAX_QUERY_COST must be a whole number from 1 to 1000000, got "lots"',
    );
    expect(() => loadConfig({ STRATA_MAX_QUERY_COST: '5000', STRATA_COST_BUCKET: '100' })).toThrow(
      'STRATA_COST_BUCKET must be at least STRATA_MAX_QUERY_COST, or the costliest allowed query could never run',
    );
  });
});
