import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The 49 233 most common passwords of public breach corpora (the list zxcvbn ships, in
 * `@zxcvbn-ts/language-common`), lower-cased: shipped with the appliance, checked offline.
 */
let common: ReadonlySet<string> | undefined;

function commonPasswords(): ReadonlySet<string> {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common;
}

/**
 * Whether a password is a common one, or a common one with digits and symbols added around it
 * (`dragon2024!`, `!!password1234`).
 */
export function isCommonPassword(password: string): boolean {
  const lower = password.toLowerCase();
  const list = commonPasswords();
  if (list.has(lower)) return true;
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  return core.length >= 4 && core !== lower && list.has(core);
}
