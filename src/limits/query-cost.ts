import { DocumentNode, GraphQLError, GraphQLSchema, getNamedType, isLeafType } from 'graphql';
import { ComplexityEstimator, fieldExtensionsEstimator, getComplexity } from 'graphql-query-complexity';
import { PAGE_SIZE } from '../shared/pagination';

/**
 * What a request costs, decided from the document before any resolver runs: leaves
 * (scalars, enums) are free, every object field costs 1 plus what it selects, and fields
 * that read more than one row or compute something costly declare their own cost with
 * type-graphql's `complexity` option (the helpers below).
 */
const objectsCostOne: ComplexityEstimator = ({ field, childComplexity }) => (isLeafType(getNamedType(field.type)) ? 0 : 1 + childComplexity);

export function queryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName?: string): number {
  try {
    return getComplexity({ schema, query: document, variables, operationName, estimators: [fieldExtensionsEstimator(), objectsCostOne] });
  } catch (error) {
    // Variables that do not fit the operation: execution would refuse them too, with the same message.
    throw new GraphQLError(error instanceof Error ? error.message : String(error), { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

/** A page: `first` items (the default page size when absent) of what each selects. */
export const pageCost: ComplexityEstimator = ({ args, childComplexity }) => 1 + Math.max(1, Number(args.first ?? PAGE_SIZE.default) || 1) * childComplexity;

/** One answer per id asked for. */
export const perIdCost: ComplexityEstimator = ({ args, childComplexity }) =>
  1 + Math.max(1, (args.ids?.length ?? 0) + (args.externalIds?.length ?? 0)) * childComplexity;

/** A json-rules-engine run for one customer's explanation. */
export const EXPLANATION_COST = 10;
/** A count over every customer of a program. */
export const DISTRIBUTION_COST = 100;
/** Every customer classified twice: the costliest read there is. */
export const SIMULATION_COST = 1_000;

/** A field that costs `units` on its own (a json-rules-engine run, an aggregate over every customer). */
export const fixedCost =
  (units: number): ComplexityEstimator =>
  ({ childComplexity }) =>
    units + childComplexity;
