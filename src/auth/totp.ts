import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * TOTP (RFC 6238) as every authenticator app speaks it: SHA-1, 6 digits, 30-second steps.
 * A code is accepted for the step before and after now (clock drift), and only once: the
 * caller keeps the last accepted step and refuses that step or an earlier one.
 */
export const TOTP_PERIOD_SECONDS = 30 as const;
export const TOTP_DIGITS = 6 as const;
const ISSUER = 'MpegFlow Appliance';

function totpOf(secretBase32: string, label = 'account'): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** A new shared secret: 20 random bytes (160 bits, RFC 4226's recommendation), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/…` URI an authenticator app imports (as a QR code or pasted). */
export function totpUri(secretBase32: string, username: string): string {
  return totpOf(secretBase32, username).toString();
}

/** The time step of `at` (epoch ms). */
export function totpStep(at: number): number {
  return Math.floor(at / 1000 / TOTP_PERIOD_SECONDS);
}

/** The step a code belongs to (now ± 1 step), or null when it is no valid code of this secret. */
export function matchTotp(secretBase32: string, code: string, at: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secretBase32).validate({ token: code, timestamp: at, window: 1 });
  return delta === null ? null : totpStep(at) + delta;
}

/** The code of a secret at a time (tests, and the CLI's check of a fresh enrollment). */
export function totpCode(secretBase32: string, at: number): string {
  return totpOf(secretBase32).generate({ timestamp: at });
}

/** Recovery codes: one-time codes for a lost authenticator, 10 per enrollment, 50 bits each (`xxxxx-xxxxx`, base32). */
export const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const RECOVERY_SHAPE = /^[a-z2-7]{5}-?[a-z2-7]{5}$/i;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = [...randomBytes(10)].map((b) => RECOVERY_ALPHABET[b & 31]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Whether a sign-in code is shaped like a recovery code (not a 6-digit TOTP code). */
export const isRecoveryCode = (code: string): boolean => RECOVERY_SHAPE.test(code);

/** What is stored of a recovery code: the sha256 of its normalised form (high-entropy and one-time, so a fast hash suffices). */
export function recoveryCodeHash(code: string): string {
  return createHash('sha256').update(code.toLowerCase().replace('-', ''), 'utf8').digest('hex');
}
