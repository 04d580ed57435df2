import { ApplianceError } from '../../errors/appliance-error.js';

/** `host:port/database` of a connection URL: never its password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the PostgreSQL URL';
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', 'EPIPE']);

function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}

function isTlsFailure(code: string | undefined, message: string): boolean {
  return (
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code ?? '') ||
    /does not support SSL|SSL|certificate|self[- ]signed|Hostname\/IP does not match/i.test(message)
  );
}

/**
 * Maps a node-postgres failure to one line with a stable code: the server unreachable (or
 * going away), the role or password refused, TLS, a missing privilege, anything else.
 */
export function postgresError(url: string, thrown: unknown): ApplianceError {
  if (thrown instanceof ApplianceError) return thrown;
  // drizzle wraps the driver's error ("Failed query: …") with the driver's as its cause.
  let err = thrown;
  while (err instanceof Error && codeOf(err) === undefined && err.cause !== undefined) err = err.cause;
  const where = describeUrl(url);
  const code = codeOf(err);
  const why = err instanceof Error ? err.message : String(err);
  const options = { cause: err, details: code ? { driverCode: code } : undefined };
  if ((code && UNREACHABLE.has(code)) || code?.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') {
    return new ApplianceError('STORE_UNREACHABLE', `PostgreSQL at ${where} cannot be reached (${why})`, options);
  }
  if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(why)) {
    return new ApplianceError('STORE_UNREACHABLE', `PostgreSQL at ${where} cannot be reached (${why})`, options);
  }
  if (code === '28000' && /no encryption|SSL off|hostssl/i.test(why)) {
    return new ApplianceError(
      'STORE_TLS',
      `PostgreSQL at ${where} accepts only TLS connections (${why}); set sslmode=verify-full and sslrootcert in MPEGFLOW_DATABASE_URL`,
      options,
    );
  }
  if (code === 'ENOENT' && err instanceof Error && 'path' in err) {
    return new ApplianceError(
      'STORE_TLS',
      `PostgreSQL at ${where}: ${(err as { path: string }).path} cannot be read (${why}); check sslrootcert, sslcert and sslkey in MPEGFLOW_DATABASE_URL`,
      options,
    );
  }
  if (code === '28P01' || code === '28000') {
    return new ApplianceError('STORE_AUTH', `PostgreSQL at ${where} refused the role or its password (${why})`, options);
  }
  if (isTlsFailure(code, why)) {
    return new ApplianceError('STORE_TLS', `TLS to PostgreSQL at ${where} failed (${why}); check sslmode and sslrootcert in MPEGFLOW_DATABASE_URL`, options);
  }
  if (code === '42501') {
    return new ApplianceError('STORE_PRIVILEGES', `PostgreSQL at ${where}: the role lacks a privilege (${why})`, options);
  }
  if (code === '3D000') {
    return new ApplianceError('STORE_UNAVAILABLE', `PostgreSQL at ${where}: the database does not exist (${why}); create it first (docs/cluster.md)`, options);
  }
  return new ApplianceError('STORE_UNAVAILABLE', `PostgreSQL at ${where}: ${why}`, options);
}
