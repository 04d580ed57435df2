import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generatePassword, passwordProblem } from '../../src/auth/passwords.js';

test('the password rule: length, variety, not the user name, not a common password from breach lists (offline)', () => {
  assert.is(passwordProblem('short'), 'must be at least 12 characters');
  assert.is(passwordProblem('x'.repeat(201)), 'must be at most 200 characters');
  assert.is(passwordProblem('aaaaaabbbbbb'), 'must use at least 5 different characters');
  assert.is(passwordProblem('alice-is-the-best', 'alice'), 'must not contain the user name');
  for (const common of ['1234567890qwerty', 'PASSWORD12345', 'dragon2024!!!', '!!football1234', 'iloveyou12345'])
    assert.match(passwordProblem(common) ?? '', /common password/, common);
  for (const fine of ['correct horse battery', 'v3ra viewer passphrase', generatePassword()]) assert.is(passwordProblem(fine, 'vera'), undefined, fine);
});

test.run();
