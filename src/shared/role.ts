import { registerEnumType } from 'type-graphql';

export enum Role {
  VIEWER = 'VIEWER',
  INTEGRATOR = 'INTEGRATOR',
  EDITOR = 'EDITOR',
  APPROVER = 'APPROVER',
  ADMIN = 'ADMIN',
}
registerEnumType(Role, { name: 'Role', description: 'What an API key may do. Every role may read; ADMIN may do everything.', valuesConfig: { VIEWER: { description: 'Reads programs, customers and entitlements.' }, INTEGRATOR: { description: 'Writes customers, facts, grants and overrides.' }, EDITOR: { description: 'Writes catalogs and opens and edits drafts.' }, APPROVER: { description: 'Approves and publishes drafts it did not write, and rolls back.' }, ADMIN: { description: 'Everything, including API keys.' } } });

/** Every role can read; INTEGRATOR writes customers; ADMIN can do everything. */
const IMPLIED: Record<Role, Role[]> = {
  VIEWER: [Role.VIEWER],
  INTEGRATOR: [Role.INTEGRATOR, Role.VIEWER],
  EDITOR: [Role.EDITOR, Role.VIEWER],
  APPROVER: [Role.APPROVER, Role.VIEWER],
  ADMIN: Object.values(Role),
};

export function hasRole(granted: readonly Role[], required: Role): boolean {
  return granted.some((role) => IMPLIED[role].includes(required));
}

/** Every role the granted ones act with, implied ones included, in the enum's order. */
export function effectiveRoles(granted: readonly Role[]): Role[] {
  return Object.values(Role).filter((role) => hasRole(granted, role));
}
