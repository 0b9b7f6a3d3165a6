import { registerEnumType } from 'type-graphql';

export enum Role {
  VIEWER = 'VIEWER',
  INTEGRATOR = 'INTEGRATOR',
  EDITOR = 'EDITOR',
  APPROVER = 'APPROVER',
  ADMIN = 'ADMIN',
}
registerEnumType(Role, { name: 'Role' });

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
