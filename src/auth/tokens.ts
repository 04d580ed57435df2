import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** API tokens are random; only their sha256 is stored. */
export function generateToken(): string {
  return `mf_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newTokenId(): string {
  return `tok_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
}
