/** Stream names: `<category>-<tenant>:<id>`, category camelCase without dashes. */
export const streams = {
  user: (tenant: string, userId: string) => `user-${tenant}:${userId}`,
  group: (tenant: string, groupId: string) => `group-${tenant}:${groupId}`,
  userNameClaim: (tenant: string, userName: string) => `userNameClaim-${tenant}:${userName.toLowerCase()}`,
  externalIdClaim: (tenant: string, externalId: string) => `externalIdClaim-${tenant}:${externalId}`,
  tenant: (tenant: string) => `tenant-${tenant}`,
  token: (tenant: string, tokenId: string) => `token-${tenant}:${tokenId}`,
  slaCase: (tenant: string, caseId: string) => `slaCase-${tenant}:${caseId}`,
  request: (tenant: string, requestId: string) => `request-${tenant}:${requestId}`,
  auditExport: (tenant: string, exportId: string) => `auditExport-${tenant}:${exportId}`,
};

export function streamCategory(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash < 0 ? streamId : streamId.slice(0, dash);
}

/**
 * The tenant a stream belongs to: `user-acme:u1` -> `acme`, `tenant-acme` -> `acme`. Tenant ids
 * hold no colon, and dashes only after the category's, so the first dash and the first colon
 * after it bound it. Projections read it here rather than from each event's metadata, which a
 * replay would otherwise have to parse for every event.
 */
export function streamTenant(streamId: string): string {
  const dash = streamId.indexOf('-');
  if (dash < 0) return '';
  const colon = streamId.indexOf(':', dash + 1);
  return colon < 0 ? streamId.slice(dash + 1) : streamId.slice(dash + 1, colon);
}
