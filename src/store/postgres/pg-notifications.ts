import pg from 'pg';
import type { ClusterNotifications } from '../store.js';

/**
 * NOTIFY/LISTEN between the nodes: `publish` is one `pg_notify` on the pool; each `listen`
 * holds a connection of its own (a LISTEN lives on its session), reconnecting after a lost
 * connection until it is stopped. Messages sent while it was disconnected are missed: callers
 * use it for live events only, never for state of record.
 */
export function pgNotifications(url: string, pool: pg.Pool, onError: (err: Error) => void): ClusterNotifications {
  return {
    publish: async (channel, payload) => {
      await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    listen: async (channel, onMessage) => {
      let stopped = false;
      let client: pg.Client | undefined;
      let retry: NodeJS.Timeout | undefined;
      const connect = async (): Promise<void> => {
        const c = new pg.Client({ connectionString: url, application_name: 'mpegflow-listen' });
        c.on('notification', (n) => {
          if (n.channel === channel && n.payload !== undefined) onMessage(n.payload);
        });
        const reconnect = (err?: Error) => {
          if (err) onError(err);
          if (stopped || client !== c) return;
          client = undefined;
          retry = setTimeout(() => void connect().catch(reconnect), 1000);
        };
        c.on('error', reconnect);
        c.on('end', () => reconnect());
        client = c;
        await c.connect();
        await c.query(`LISTEN ${c.escapeIdentifier(channel)}`);
      };
      await connect();
      return async () => {
        stopped = true;
        clearTimeout(retry);
        await client?.end().catch(() => undefined);
      };
    },
  };
}
