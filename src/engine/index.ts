export * from './types';
export { ProgramEvaluator } from './program-evaluator';
export * from './entitlement-merge';
export * from './compile';
export * from './shortfall';
export * from './explain';
export * from './display';
