import { z } from 'zod';
import { roleNames } from './states.js';

/** The roles of docs/security (the store keeps the same list; test/http/api-schemas checks they agree). */
export const roleSchema = z.enum(roleNames);

/** `GET /api/v1/whoami`: the caller. */
export const whoami = z.object({ id: z.string(), name: z.string(), role: roleSchema });

/** `GET /api/v1/users` (admin): accounts, never their password hashes. */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: roleSchema,
  failedAttempts: z.number().int().describe('consecutive failed logins since the last success'),
  lockedUntil: z.number().nullable().describe('epoch ms until which logins are refused, or null'),
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
  totpEnrolledAt: z.string().nullable().describe('when the account confirmed its authenticator app (second factor), or null'),
});
export const userList = z.object({ items: z.array(userSchema) });
/** `POST /api/v1/users` and a password reset answer the generated password once. */
export const userWithPassword = userSchema.extend({ password: z.string().optional() });

/** `GET /api/v1/tokens` (admin): tokens, never their secrets. */
export const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  userId: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const tokenList = z.object({ items: z.array(tokenSchema) });
/** `POST /api/v1/tokens`: the token itself, shown once. */
/** `POST /api/v1/tokens`: the token itself, shown once; `expiresAt` null only when asked for explicitly. */
export const issuedToken = z.object({ id: z.string(), name: z.string(), role: roleSchema, token: z.string(), expiresAt: z.string().nullable() });

/** `POST /api/v1/session`: the UI's sign-in; `totp` for admins and accounts with a second factor. */
export const loginRequest = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(200),
    totp: z
      .string()
      .regex(/^(\d{6}|[A-Za-z2-7]{5}-?[A-Za-z2-7]{5})$/, 'must be the 6-digit code of the authenticator app, or a recovery code (xxxxx-xxxxx)')
      .optional()
      .describe('the current code of the authenticator app (admins always; others once enrolled), or one of its unused recovery codes'),
  })
  .strict();

/** `POST /api/v1/session/totp-enrollment`: the password again (checked and counted like a sign-in). */
export const totpEnrollmentRequest = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }).strict();

/** `POST /api/v1/session/totp-enrollment`: the new secret, shown once (the next sign-in with a code of it confirms it). */
export const totpEnrollment = z.object({
  secret: z.string().describe('base32, for manual entry'),
  uri: z.string().describe('otpauth://totp/… for an authenticator app'),
  digits: z.literal(6),
  periodSeconds: z.literal(30),
  algorithm: z.literal('SHA1'),
  recoveryCodes: z
    .array(z.string())
    .describe('one-time codes for a lost authenticator, shown once (only their hashes are kept); usable once the enrollment is confirmed'),
});

export type Role = z.infer<typeof roleSchema>;
export type TotpEnrollment = z.infer<typeof totpEnrollment>;
export type Whoami = z.infer<typeof whoami>;
export type User = z.infer<typeof userSchema>;
export type UserList = z.infer<typeof userList>;
export type UserWithPassword = z.infer<typeof userWithPassword>;
export type Token = z.infer<typeof tokenSchema>;
export type TokenList = z.infer<typeof tokenList>;
export type IssuedToken = z.infer<typeof issuedToken>;
