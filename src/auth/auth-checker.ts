import { AuthChecker } from 'type-graphql';
import { Context } from '../context';
import { DomainError } from '../shared/errors';
import { Role, hasRole } from '../shared/role';

/** Every operation names the least role it needs with @Authorized(role); the key was checked when the context was built. */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) => {
  if (roles.some((role) => hasRole(context.actor.roles, role))) return true;
  throw new DomainError('FORBIDDEN', `this operation needs the ${roles.join(' or ')} role`);
};
