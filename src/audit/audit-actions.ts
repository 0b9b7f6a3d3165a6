import { describedEnum } from '../shared/described-enum';

/** Every action the audit log records, and what it means: the AuditAction enum of the schema. */
export const AUDIT_ACTIONS = {
  apiKeyBootstrap: 'The first ADMIN key was created at start-up from STRATA_ADMIN_KEY.',
  apiKeyCreate: 'An API key was created.',
  apiKeyRevoke: 'An API key was revoked.',
  customerDelete: 'A customer was deleted with its assignments, grants and overrides (history kept).',
  entitlementDefine: 'An entitlement was added to the catalog or its name, description or unit changed.',
  entitlementGrant: 'An entitlement value was granted to a customer.',
  entitlementGrantRevoke: 'A grant was revoked.',
  entitlementGrantExpire: 'A grant reached its expiry; recorded by the scheduler (or by the next write to the customer, if that came first).',
  factDefine: 'A fact was added to the catalog or its description or unit changed.',
  tierOverrideSet: "A customer's tier was pinned in a program.",
  tierOverrideRevoke: 'An override was revoked.',
  tierOverrideExpire: 'An override reached its expiry; recorded by the scheduler (or by the next write to the customer, if that came first).',
  tierProgramCreate: 'A program was created, its version 1 as a draft.',
  ruleDraftCreate: 'A draft was opened (also to retire a program).',
  ruleDraftUpdate: "A draft's whole document was replaced.",
  ruleDraftTierUpdate: 'One tier of a draft was replaced.',
  ruleDraftTestCaseAdd: 'A test case was added to a draft.',
  ruleDraftTestCaseRemove: 'A test case was removed from a draft.',
  ruleDraftSubmit: 'A draft was submitted for approval.',
  ruleDraftApprove: 'A draft was approved by a key that did not write it.',
  ruleDraftDiscard: 'A draft was abandoned.',
  ruleDraftPublish: 'An approved draft was published as a new version.',
  ruleSetRollback: "An earlier version's rules were published again as a new version.",
  ruleFilePublish: 'A program file (start-up or rules:import) was published by the system.',
  webhookEndpointCreate: 'A webhook endpoint was registered (its secret is never logged).',
  webhookEndpointUpdate: "A webhook endpoint's URL, description, types or enabled state changed.",
  webhookEndpointDelete: 'A webhook endpoint was deleted with its delivery log.',
  webhookEndpointSecretRotate: "A webhook endpoint's signing secret was replaced (the old one signs beside it until the overlap ends).",
  webhookEventReplay: 'An event was queued to a webhook endpoint again.',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export const AuditActionEnum = describedEnum('AuditAction', 'What an audited change did.', AUDIT_ACTIONS);
