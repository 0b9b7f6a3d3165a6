import { Initial1763798400000 } from './1763798400000-initial';

/** Every migration, in order; run at start-up. */
export const migrations = [Initial1763798400000];
