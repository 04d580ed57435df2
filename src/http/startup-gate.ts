/** A fetch handler as @hono/node-server calls it: the request, then its bindings (incoming, outgoing, the upgrade). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the bindings are the server's, passed through untouched
type Fetch = (req: Request, ...bindings: any[]) => Response | Promise<Response>;

/**
 * The HTTP handler while the appliance starts: the port is bound first, and until recovery is
 * done every request gets `503` (`/healthz`: `{"status":"starting","phase"}`, anything else the
 * error `STARTING`, with `Retry-After: 1`). `ready(app)` hands every later request to the app,
 * with the server's bindings (the client address, WebSocket upgrades).
 */
export function startupGate() {
  let app: Fetch | undefined;
  let phase = 'starting';
  const starting = (req: Request): Response => {
    const headers = { 'content-type': 'application/json; charset=UTF-8', 'retry-after': '1' };
    if (new URL(req.url).pathname === '/healthz') return new Response(JSON.stringify({ status: 'starting', phase }), { status: 503, headers });
    const error = { code: 'STARTING', message: `the appliance is starting (${phase}); try again in a moment` };
    return new Response(JSON.stringify({ error }), { status: 503, headers });
  };
  return {
    fetch: ((req: Request, ...bindings: unknown[]) => (app ? app(req, ...bindings) : starting(req))) as Fetch,
    /** What start-up is doing now (shown by `/healthz`). */
    phase(name: string): void {
      phase = name;
    },
    ready(fetch: Fetch): void {
      app = fetch;
    },
  };
}
