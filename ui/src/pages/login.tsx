import { useState } from 'preact/hooks';
import { api, ApiError, type Me, type TotpEnrollment } from '../api';

/** What the form asks for: the password, then — for admins and enrolled accounts — the authenticator code. */
type Step = { kind: 'password' } | { kind: 'code' } | { kind: 'enroll'; enrollment: TotpEnrollment };

export function LoginPage({ onLogin }: { onLogin: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const restart = (message: string) => {
    setStep({ kind: 'password' });
    setPassword('');
    setCode('');
    setError(message);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const totp = step.kind === 'password' ? {} : { totp: code };
      await api('/session', { method: 'POST', body: { username, password, ...totp }, quiet401: true });
      onLogin(await api<Me>('/whoami'));
    } catch (err) {
      if (!(err instanceof ApiError)) restart(String(err));
      else if (err.code === 'TOTP_REQUIRED') setStep({ kind: 'code' });
      else if (err.code === 'TOTP_ENROLLMENT_REQUIRED') {
        // The password was right: enroll an authenticator now (the secret is shown once).
        try {
          const enrollment = await api<TotpEnrollment>('/session/totp-enrollment', { method: 'POST', body: { username, password }, quiet401: true });
          setStep({ kind: 'enroll', enrollment });
        } catch (enrollErr) {
          restart(enrollErr instanceof ApiError ? enrollErr.message : String(enrollErr));
        }
      } else if (err.code === 'TOTP_INVALID' || err.code === 'TOTP_REPLAYED') {
        setCode('');
        setError(err.message);
      } else restart(err.message);
    } finally {
      setBusy(false);
    }
  };
  const codeField = (
    <>
      <label for="totp">Authenticator code</label>
      <input
        id="totp"
        name="totp"
        autocomplete="one-time-code"
        pattern="[0-9]{6}|[A-Za-z2-7]{5}-?[A-Za-z2-7]{5}"
        title="the 6-digit code of your authenticator app, or a recovery code (xxxxx-xxxxx)"
        maxLength={11}
        required
        value={code}
        onInput={(e) => setCode(e.currentTarget.value.trim())}
        autofocus
      />
    </>
  );
  return (
    <main id="main" class="login">
      <form class="card login-card" onSubmit={submit} aria-labelledby="login-h">
        <h1 id="login-h">MpegFlow Appliance</h1>
        {step.kind === 'password' && (
          <>
            <p class="muted">Sign in with your operator account.</p>
            <label for="username">User name</label>
            <input
              id="username"
              name="username"
              autocomplete="username"
              required
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
              autofocus
            />
            <label for="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </>
        )}
        {step.kind === 'code' && (
          <>
            <p class="muted">Enter the 6-digit code your authenticator app shows for {username} (or, if it is lost, one of your recovery codes).</p>
            {codeField}
          </>
        )}
        {step.kind === 'enroll' && (
          <>
            <h2>Set up your second factor</h2>
            <p class="muted">
              An admin signs in with a password and a code. Add this account to an authenticator app (TOTP, {step.enrollment.digits} digits, every{' '}
              {step.enrollment.periodSeconds} s) with the key below, then enter the code it shows. The key is shown only now.
            </p>
            <p>
              Key: <code data-testid="totp-secret">{step.enrollment.secret}</code>
            </p>
            <p class="small">
              Or import: <code class="wrap">{step.enrollment.uri}</code>
            </p>
            <p class="small">Recovery codes — each signs in once if the authenticator is lost; keep them somewhere safe, they are shown only now:</p>
            <ul class="recovery-codes small" data-testid="recovery-codes">
              {step.enrollment.recoveryCodes.map((c) => (
                <li key={c}>
                  <code>{c}</code>
                </li>
              ))}
            </ul>
            {codeField}
          </>
        )}
        {error && (
          <p class="error-box" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : step.kind === 'password' ? 'Sign in' : 'Verify code'}
        </button>
        {step.kind === 'password' ? (
          <p class="muted small">
            The first admin's password is in <code>data/secrets/admin.password</code> on the appliance.
          </p>
        ) : (
          <button type="button" class="link" onClick={() => restart('')}>
            Start over
          </button>
        )}
      </form>
    </main>
  );
}
