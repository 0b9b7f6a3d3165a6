/**
 * Starts a statement a process runs at most about once a second whatever the traffic (the
 * programs' sizes that price requests), so counts of statements per request can leave it out.
 */
export const AMORTIZED_STATEMENT = '/* amortized */ ';
