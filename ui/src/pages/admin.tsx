import { useState } from 'preact/hooks';
import { api, may, type IssuedToken, type Me, type Role, type TokenList, type User, type UserList, type UserWithPassword } from '../api';
import { ErrorBox, Loaded, Section, TableHead } from '../components/bits';
import { useLoad } from '../components/use-load';
import { time } from '../format';

const ROLES: Role[] = ['admin', 'operator', 'viewer', 'auditor'];

type NoticeState = { ok: boolean; text: string; secret?: string } | null;

/** Runs an admin action, shows its result (or error) as a notice, and reloads the list. */
function useAdminAction(reload: () => void) {
  const [notice, setNotice] = useState<NoticeState>(null);
  const act = async (fn: () => Promise<{ text: string; secret?: string }>) => {
    try {
      setNotice({ ok: true, ...(await fn()) });
      reload();
    } catch (err) {
      setNotice({ ok: false, text: (err as Error).message });
    }
  };
  return { notice, setNotice, act };
}

function RoleSelect({ value, onChange, label }: { value: Role; onChange: (role: Role) => void; label?: string }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.currentTarget.value as Role)}>
      {ROLES.map((r) => (
        <option key={r}>{r}</option>
      ))}
    </select>
  );
}

/** A name and a role, as adding a user and issuing a token ask; the name is cleared once done. */
function NameRoleForm(props: {
  label: string;
  nameLabel: string;
  submit: string;
  pattern?: string;
  maxLength?: number;
  onSubmit: (name: string, role: Role, done: () => void) => Promise<void>;
}) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const submit = (e: Event) => {
    e.preventDefault();
    void props.onSubmit(name.trim(), role, () => setName(''));
  };
  return (
    <form class="row-form" onSubmit={submit} aria-label={props.label}>
      <label>
        {props.nameLabel}
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required pattern={props.pattern} maxLength={props.maxLength} />
      </label>
      <label>
        Role
        <RoleSelect value={role} onChange={setRole} />
      </label>
      <button type="submit">{props.submit}</button>
    </form>
  );
}

/** Result line of an admin action; a secret shown once stays until dismissed. */
function Notice({ notice, onClose }: { notice: NoticeState; onClose: () => void }) {
  if (!notice) return null;
  return (
    <div class={notice.ok ? 'notice' : 'error-box'} role={notice.ok ? 'status' : 'alert'}>
      {notice.text}
      {notice.secret && (
        <>
          {' '}
          <code class="secret">{notice.secret}</code> <span class="small">(shown once: copy it now)</span>
        </>
      )}
      <button type="button" class="link" onClick={onClose}>
        dismiss
      </button>
    </div>
  );
}

function Users() {
  const users = useLoad(() => api<UserList>('/users'), []);
  const { notice, setNotice, act } = useAdminAction(users.reload);
  const add = (name: string, role: Role, done: () => void) =>
    act(async () => {
      const u = await api<UserWithPassword>('/users', { method: 'POST', body: { username: name, role } });
      done();
      return { text: `User ${u.username} (${u.role}) created; password:`, secret: u.password };
    });
  const patch = (u: User, body: Record<string, unknown>, text: string) => act(async () => (await api(`/users/${u.id}`, { method: 'PATCH', body }), { text }));
  return (
    <Section title="Operator accounts">
      <NameRoleForm label="Add a user" nameLabel="User name" submit="Add user" pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" onSubmit={add} />
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <Loaded load={users} what="users" isEmpty={(d) => d.items.length === 0} empty="No accounts.">
        {(d) => (
          <table class="compact">
            <TableHead columns={['user', 'role', 'status', 'second factor', 'created', 'actions']} />
            <tbody>
              {d.items.map((u) => {
                const locked = u.lockedUntil !== null && u.lockedUntil > Date.now();
                return (
                  <tr key={u.id}>
                    <td>{u.username}</td>
                    <td>
                      <RoleSelect label={`Role of ${u.username}`} value={u.role} onChange={(r) => patch(u, { role: r }, `${u.username} is now ${r}`)} />
                    </td>
                    <td>
                      {u.disabledAt
                        ? 'disabled'
                        : locked
                          ? `locked until ${time(new Date(u.lockedUntil!).toISOString())}`
                          : u.failedAttempts
                            ? `${u.failedAttempts} failed logins`
                            : 'active'}
                    </td>
                    <td>
                      {u.totpEnrolledAt ? `authenticator since ${time(u.totpEnrolledAt)}` : u.role === 'admin' ? 'not set up: enrolls at next sign-in' : 'none'}
                    </td>
                    <td>{time(u.createdAt)}</td>
                    <td class="buttons">
                      {locked && (
                        <button type="button" class="secondary" onClick={() => patch(u, { unlock: true }, `${u.username} unlocked`)}>
                          Unlock
                        </button>
                      )}
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => patch(u, { disabled: !u.disabledAt }, `${u.username} ${u.disabledAt ? 'enabled' : 'disabled'}`)}
                      >
                        {u.disabledAt ? 'Enable' : 'Disable'}
                      </button>
                      <button
                        type="button"
                        class="secondary"
                        onClick={() =>
                          act(async () => {
                            const { password } = await api<UserWithPassword>(`/users/${u.id}`, { method: 'PATCH', body: { resetPassword: true } });
                            return { text: `New password for ${u.username}:`, secret: password };
                          })
                        }
                      >
                        Reset password
                      </button>
                      {u.totpEnrolledAt && (
                        <button
                          type="button"
                          class="secondary"
                          onClick={() => patch(u, { resetTotp: true }, `${u.username} sets up a new authenticator at the next sign-in`)}
                        >
                          Reset second factor
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Loaded>
    </Section>
  );
}

function Tokens() {
  const tokens = useLoad(() => api<TokenList>('/tokens'), []);
  const { notice, setNotice, act } = useAdminAction(tokens.reload);
  const issue = (name: string, role: Role, done: () => void) =>
    act(async () => {
      const t = await api<IssuedToken>('/tokens', { method: 'POST', body: { name, role } });
      done();
      return { text: `Token ${t.id} issued${t.expiresAt ? ` (expires ${time(t.expiresAt)})` : ''}:`, secret: t.token };
    });
  return (
    <Section title="API tokens">
      <NameRoleForm label="Issue an API token" nameLabel="Name" submit="Issue token" maxLength={100} onSubmit={issue} />
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <Loaded load={tokens} what="tokens" isEmpty={(d) => d.items.length === 0} empty="No tokens.">
        {(d) => (
          <table class="compact">
            <TableHead columns={['name', 'role', 'id', 'created', 'status', 'actions']} />
            <tbody>
              {d.items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>{t.role}</td>
                  <td class="mono small">{t.id}</td>
                  <td>{time(t.createdAt)}</td>
                  <td>{t.revokedAt ? `revoked ${time(t.revokedAt)}` : t.expiresAt ? `expires ${time(t.expiresAt)}` : 'active'}</td>
                  <td>
                    {!t.revokedAt && (
                      <button
                        type="button"
                        class="danger"
                        onClick={() => act(async () => (await api(`/tokens/${t.id}`, { method: 'DELETE' }), { text: `Token ${t.name} revoked` }))}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </Section>
  );
}

export function AdminPage({ me }: { me: Me }) {
  if (!may.admin(me.role)) return <ErrorBox error={{ code: 'FORBIDDEN', message: `users and tokens are managed by admins; you are ${me.role}` }} />;
  return (
    <>
      <h1>Users &amp; tokens</h1>
      <p class="muted">Every change here is recorded in the audit trail with your name.</p>
      <Users />
      <Tokens />
    </>
  );
}
