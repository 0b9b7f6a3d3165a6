import type { Context } from '../context';
import { isUuid } from './ids';
import { UserError, userError } from './user-error';

/** How a write names its customer: Strata's id or the integrator's own externalId, exactly one. */
export interface CustomerAddress {
  id?: string | null;
  externalId?: string | null;
}

/** Where each way of naming the customer sits in the call, for the userError's path. */
export interface AddressFields {
  id: string[];
  externalId: string[];
}

/**
 * The id of the customer `address` names, its row locked until the transaction ends (so a
 * concurrent write to the same customer waits), or the problem at the field that named it.
 */
export async function addressedCustomer(tx: Context, address: CustomerAddress, fields: AddressFields): Promise<{ id: string } | UserError> {
  const { id, externalId } = address;
  if ((id == null) === (externalId == null)) {
    const names = `${fields.id.at(-1)} or ${fields.externalId.at(-1)}`;
    const parent = fields.id.slice(0, -1);
    return userError('INVALID', parent.length ? parent : null, `name the customer by exactly one of ${names}`);
  }
  const rows: { id: string }[] =
    id != null
      ? isUuid(id)
        ? await tx.db.query('SELECT id FROM customer WHERE id = $1 FOR UPDATE', [id])
        : []
      : await tx.db.query('SELECT id FROM customer WHERE external_id = $1 FOR UPDATE', [externalId]);
  if (rows[0]) return rows[0];
  return id != null
    ? userError('NOT_FOUND', fields.id, `no customer with id "${id}"`)
    : userError('NOT_FOUND', fields.externalId, `no customer with externalId "${externalId}"`);
}
