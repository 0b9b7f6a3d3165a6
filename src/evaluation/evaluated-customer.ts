import type { Facts } from '../engine';

/** What evaluation reads of a customer (customers/ owns the entity and depends on evaluation/). */
export interface EvaluatedCustomer {
  id: string;
  version: number;
  facts: Facts;
}
