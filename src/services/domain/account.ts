/** A Tencent Cloud account as services see it (the Secret Key stays encrypted until credentialFor). */

/** AES-256-GCM ciphertext of a Secret Key; the plain key is never stored. */
export interface EncryptedSecret {
  iv: string;
  tag: string;
  data: string;
}

/** Usable everywhere (tenant) or in one project's channels. */
export type AccountScope = { kind: 'tenant' } | { kind: 'project'; project: string };

export interface CloudAccount {
  id: string;
  name: string;
  description: string;
  scope: AccountScope;
  secretId: string;
  secretKey: EncryptedSecret;
  addedBy: string;
  addedAt: string;
  validatedAt: string;
}
