import { ApolloServerPlugin } from '@apollo/server';
import {
  ASTNode,
  DocumentNode,
  GraphQLError,
  GraphQLID,
  GraphQLInputType,
  GraphQLSchema,
  Kind,
  TypeInfo,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { Context } from '../context';

/**
 * How deep any value sent to Strata may nest. The deepest rule the validator accepts
 * (conditions eight combinators deep, inside a document's tiers) nests about 25 levels;
 * a value nested 10,000 levels would overflow the stack of anything recursive behind it.
 */
export const MAX_INPUT_DEPTH = 64;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refused input: HTTP 400 with the path of the offending value in the message. */
function refused(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

/** Why text may not be stored (PostgreSQL text and jsonb hold no NUL), or null. */
function textProblem(text: string): string | null {
  return text.includes('\u0000') ? 'holds a NUL character (\\u0000), which no text may hold' : null;
}

/** A value met while checking, with the way back to the root: paths are spelt only for a refusal. */
interface Visit {
  value: unknown;
  key: string;
  parent: Visit | null;
  depth: number;
}

function pathOf(visit: Visit): string {
  let path = '';
  for (let at: Visit | null = visit; at; at = at.parent) {
    if (!at.parent) path = at.key + path;
    else path = (Array.isArray(at.parent.value) ? `[${at.key}]` : `.${at.key}`) + path;
  }
  return path;
}

/**
 * Checks a variable's value without recursion (it may nest 10,000 levels): every string
 * and every object key free of NUL, nothing deeper than MAX_INPUT_DEPTH.
 */
function checkValue(root: unknown, rootPath: string): void {
  const stack: Visit[] = [{ value: root, key: rootPath, parent: null, depth: 0 }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) throw refused(`${pathOf(visit)} ${problem}`);
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_INPUT_DEPTH) throw refused(`${pathOf(visit)} nests deeper than ${MAX_INPUT_DEPTH} levels`);
      for (const key of Object.keys(value)) {
        const problem = textProblem(key);
        if (problem) throw refused(`${pathOf(visit)}: a key ${problem}`);
        stack.push({ value: (value as Record<string, unknown>)[key], key, parent: visit, depth: depth + 1 });
      }
    }
  }
}

const idPositions = new WeakMap<GraphQLInputType, boolean>();

/** Whether a value of `type` can hold an ID anywhere inside. */
function holdsIds(type: GraphQLInputType): boolean {
  const named = getNamedType(type) as GraphQLInputType;
  let holds = idPositions.get(named);
  if (holds === undefined) {
    holds = reachesId(named, new Set());
    idPositions.set(named, holds);
  }
  return holds;
}

/** A search of every input type reachable from `type` (they may refer to one another) for an ID. */
function reachesId(type: GraphQLInputType, seen: Set<GraphQLInputType>): boolean {
  const named = getNamedType(type) as GraphQLInputType;
  if (named === GraphQLID) return true;
  if (!isInputObjectType(named) || seen.has(named)) return false;
  seen.add(named);
  return Object.values(named.getFields()).some((field) => reachesId(field.type, seen));
}

/** `value` with every UUID at an ID position of `type` in lower case, as the database writes them. */
function normaliseIds(type: GraphQLInputType, value: unknown): unknown {
  // Most inputs hold no ID (a batch of 500 customers has none): leave them as sent, unrebuilt.
  if (value === null || value === undefined || !holdsIds(type)) return value;
  if (isNonNullType(type)) return normaliseIds(type.ofType, value);
  if (isListType(type)) return Array.isArray(value) ? value.map((item) => normaliseIds(type.ofType, item)) : normaliseIds(type.ofType, value);
  if (type === GraphQLID) return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : value;
  if (isInputObjectType(type) && typeof value === 'object' && !Array.isArray(value)) {
    const fields = type.getFields();
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fields[key] ? normaliseIds(fields[key].type, item) : item]));
  }
  return value;
}

/**
 * The edge every operation passes before any resolver runs: text with NUL characters and
 * values nested too deep are refused with the path of the value (HTTP 400), in variables
 * and in the document's own literals; ids that are UUIDs are lower-cased wherever the
 * schema says ID, so an id written in upper case names the same row everywhere.
 */
export function untrustedInputPlugin(schema: GraphQLSchema): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          const { request, operation } = requestContext;
          const variables = request.variables ?? {};
          for (const [name, value] of Object.entries(variables)) checkValue(value, `$${name}`);
          for (const definition of operation?.variableDefinitions ?? []) {
            const name = definition.variable.name.value;
            const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
            if (type && name in variables) variables[name] = normaliseIds(type, variables[name]);
          }
          // Apollo executes `requestContext.document` as it stands after this hook (it is typed read-only for plugins).
          (requestContext as { document: DocumentNode }).document = literalsChecked(schema, requestContext.document);
        },
      };
    },
  };
}

/** The document with its literals checked like variables, and UUID literals at ID positions lower-cased. */
function literalsChecked<T extends ASTNode>(schema: GraphQLSchema, document: T): T {
  const typeInfo = new TypeInfo(schema);
  let depth = 0;
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.OBJECT]: { enter: nest, leave: () => void (depth -= 1) },
      [Kind.LIST]: { enter: nest, leave: () => void (depth -= 1) },
      [Kind.STRING](node) {
        const problem = textProblem(node.value);
        const argument = typeInfo.getArgument()?.name;
        if (problem) throw refused(`the text at line ${node.loc?.startToken.line ?? '?'}${argument ? ` (argument ${argument})` : ''} ${problem}`);
        const type = typeInfo.getInputType();
        if (type && getNamedType(type) === GraphQLID && UUID.test(node.value) && node.value !== node.value.toLowerCase()) return { ...node, value: node.value.toLowerCase() };
        return undefined;
      },
    }),
  );

  function nest(): void {
    depth += 1;
    if (depth > MAX_INPUT_DEPTH) throw refused(`a value in the document nests deeper than ${MAX_INPUT_DEPTH} levels`);
  }
}
