import { DocumentNode, FieldNode, GraphQLError, GraphQLSchema, InlineFragmentNode, Kind, getNamedType, isLeafType } from 'graphql';
import { ComplexityEstimator, fieldExtensionsEstimator, getComplexity } from 'graphql-query-complexity';
import { Extensions } from 'type-graphql';
import { PAGE_SIZE, TOTAL_COUNT_COST } from '../shared/pagination';

/**
 * What a request costs, decided from the document before any resolver runs: leaves
 * (scalars, enums) are free, every object field costs 1 plus what it selects, and fields
 * that read more than one row or compute something costly declare their own cost with
 * type-graphql's `complexity` option (the helpers below).
 */
const objectsCostOne: ComplexityEstimator = ({ field, childComplexity }) => (isLeafType(getNamedType(field.type)) ? 0 : 1 + childComplexity);

export function queryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, sizes: WorkSizes, operationName?: string): number {
  try {
    return getComplexity({ schema, query: document, variables, operationName, estimators: [workEstimator(sizes), fieldExtensionsEstimator(), objectsCostOne] });
  } catch (error) {
    // Variables that do not fit the operation: execution would refuse them too, with the same message.
    throw new GraphQLError(error instanceof Error ? error.message : String(error), { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
  }
}

/** A page: `first` or `last` items (the default page size when absent) of what each selects, and its total count once. */
export const pageCost: ComplexityEstimator = ({ args, node, childComplexity }) => {
  const counts = selected(node, 'totalCount') * TOTAL_COUNT_COST;
  return 1 + Math.max(1, Number(args.first ?? args.last ?? PAGE_SIZE.default) || 1) * Math.max(0, childComplexity - counts) + counts;
};

/** One answer per id asked for, each at least 1: every id is looked up and classified, whatever is selected. */
export const perIdCost: ComplexityEstimator = ({ args, childComplexity }) =>
  1 + Math.max(1, (args.ids?.length ?? 0) + (args.externalIds?.length ?? 0)) * Math.max(1, childComplexity);

/** One answer per item written, each at least 1: every item is checked, written and evaluated, whatever is selected. */
export const perItemCost: ComplexityEstimator = ({ args, childComplexity }) => 1 + Math.max(1, args.inputs?.length ?? 0) * Math.max(1, childComplexity);

/** An explanation's cost beside its program's size. */
export const EXPLANATION_BASE_COST = 2;
/**
 * One point per this many bytes of the program's document. An explanation walks all of it
 * and answers about twice its size (each condition with its values and results): the
 * largest program the validator accepts explains one customer in about 11 ms into 1.5 MB,
 * priced about 3,000 points, so one request holds at most one such explanation.
 */
const EXPLANATION_BYTES_PER_POINT = 256;
/**
 * Validation runs the validator, coverage analysis and every test case (compiled): 20,
 * plus one point per 256 bytes of the draft, as explanations are priced (the largest
 * document validates in about 45 ms, in three turns of the event loop).
 */
export const VALIDATION_COST = 20;
/** A count over every customer of a program. */
export const DISTRIBUTION_COST = 100;
/** Every customer classified twice: the costliest read there is. */
export const SIMULATION_COST = 1_000;

/** A field that costs `units` on its own (a json-rules-engine run, an aggregate over every customer). */
export const fixedCost =
  (units: number): ComplexityEstimator =>
  ({ childComplexity }) =>
    units + childComplexity;

/** Sizes of the stored programs, as `ProgramService.sizes` reads them. */
export interface ProgramSizes {
  /** Programs that exist, published or not. */
  programs: number;
  /** The most versions one program has. */
  versions: number;
  /** Bytes of each published program's document (appliesTo and every tier), by key. */
  documentBytes: ReadonlyMap<string, number>;
  /** Bytes of the largest open draft's document. */
  draftBytes: number;
}

/** What the document alone cannot tell: how much work some fields do, from the programs stored. */
export interface WorkSizes {
  programs: number;
  versions: number;
  /** Points one explanation costs in each published program, by key. */
  explanationPoints: ReadonlyMap<string, number>;
  /** The costliest explanation, for an explanation whose program the document does not name. */
  heaviestExplanation: number;
  /** One explanation in every published program. */
  allExplanations: number;
  /** A draft's validation, priced as the largest open draft's (the document does not say which draft). */
  validation: number;
}

export function workSizes({ programs, versions, documentBytes, draftBytes }: ProgramSizes): WorkSizes {
  const explanationPoints = new Map([...documentBytes].map(([key, bytes]) => [key, EXPLANATION_BASE_COST + Math.ceil(bytes / EXPLANATION_BYTES_PER_POINT)]));
  const points = [...explanationPoints.values()];
  return {
    programs,
    versions,
    explanationPoints,
    heaviestExplanation: Math.max(EXPLANATION_BASE_COST, ...points),
    allExplanations: points.reduce((a, b) => a + b, 0),
    validation: VALIDATION_COST + Math.ceil(draftBytes / EXPLANATION_BYTES_PER_POINT),
  };
}

/** Fields whose cost depends on the stored programs; marked with `costsWork`. */
export type Work = 'explanation' | 'assignments' | 'assignment' | 'perProgram' | 'perVersion' | 'validation';
const WORK = 'strataWork';

/** Marks a field whose cost the stored programs decide (see `workEstimator`). */
export const costsWork = (work: Work) => Extensions({ [WORK]: work });

/**
 * Prices the marked fields from the stored programs: an explanation by its program's size
 * (the heaviest program's when the document does not say which), a customer's `tiers` as
 * one assignment per program plus one explanation in each program when selected, the
 * unpaged lists of programs and versions by how many there are, and a draft's validation
 * by the largest open draft's size.
 */
function workEstimator(sizes: WorkSizes): ComplexityEstimator {
  return ({ field, node, args, childComplexity }) => {
    const explained = selected(node, 'explanation');
    // What the selection costs besides its explanations, priced above as the heaviest's.
    const rest = Math.max(0, childComplexity - explained * sizes.heaviestExplanation);
    switch (field.extensions?.[WORK] as Work | undefined) {
      case 'explanation':
        return sizes.heaviestExplanation + childComplexity;
      case 'assignments':
        return 1 + sizes.programs * Math.max(1, rest) + explained * sizes.allExplanations;
      case 'assignment':
        return 1 + rest + explained * (sizes.explanationPoints.get(String(args.programKey)) ?? EXPLANATION_BASE_COST);
      case 'perProgram':
        return 1 + sizes.programs * Math.max(1, childComplexity);
      case 'perVersion':
        return 1 + sizes.versions * Math.max(1, childComplexity);
      case 'validation':
        return sizes.validation + childComplexity;
      default:
        return undefined;
    }
  };
}

/**
 * How often `name` is selected on the field, directly or through inline fragments. Named
 * fragments are not followed, so what they select stays priced by the general rule
 * (an explanation at the heaviest program's price in every program, a count per item).
 */
function selected(node: FieldNode | InlineFragmentNode, name: string): number {
  let count = 0;
  for (const selection of node.selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD && selection.name.value === name) count += 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += selected(selection, name);
  }
  return count;
}
