import { Role } from '../shared/role';

/** Who is calling: the API key that authenticated the request. */
export interface Actor {
  keyId: string;
  name: string;
  roles: Role[];
}
