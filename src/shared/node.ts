import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * Relay's object identification: every object a client caches carries an id no object of
 * any type shares, and `node(id:)` fetches it again. Rows keyed by a UUID use it as it is
 * (unique across tables by construction); rows keyed by a sequence carry their type too.
 */
@InterfaceType({ description: 'An object with a globally unique id; node(id:) and nodes(ids:) fetch it again (Relay object identification).' })
export abstract class Node {
  @Field(() => ID, { description: 'Globally unique across every type; stable for the life of the object.' })
  id: string;
}

/** The global id of a row keyed by a sequence: its type and its number. */
export function sequenceNodeId(type: SequenceNodeType, id: string): string {
  return `${type}:${id}`;
}

export type SequenceNodeType = 'AuditEvent' | 'TierChange';

/** The type and number inside a sequence node id, or null for anything else. */
export function parseSequenceNodeId(id: string): { type: SequenceNodeType; id: string } | null {
  const match = /^(AuditEvent|TierChange):([1-9]\d{0,18})$/.exec(id);
  return match && BigInt(match[2]) <= 9_223_372_036_854_775_807n ? { type: match[1] as SequenceNodeType, id: match[2] } : null;
}
