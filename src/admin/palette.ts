/** Tiers by rank, highest darkest: the same colours on every chart of the console. */
const PALETTE = ['#1f4e79', '#2e75b6', '#5b9bd5', '#9dc3e6', '#bdd7ee', '#deebf7'];
export const NO_TIER_COLOUR = '#c9c9c9';

/** The colour of the tier at `position` in a ladder read highest rank first; customers with no tier in grey. */
export const tierColour = (position: number, tierKey: string | null | undefined) => (tierKey ? PALETTE[Math.min(position, PALETTE.length - 1)] : NO_TIER_COLOUR);
