// The job's audit events in order, each with its chain hashes.
import type { AuditEvent } from '../api';
import { Empty } from '../components/bits';
import { shortHash, time } from '../format';

export function Timeline({ events }: { events: AuditEvent[] }) {
  if (events.length === 0) return <Empty>No audit events.</Empty>;
  return (
    <ol class="timeline">
      {events.map((e) => (
        <li key={e.seq}>
          <details>
            <summary>
              <span class="mono">#{e.seq}</span> <strong>{e.type}</strong> <span class="muted">{time(e.at)}</span> <span class="muted">{e.actor}</span>{' '}
              <span class="mono hash" title={`hash ${e.hash}\nprev ${e.prev_hash}`}>
                {shortHash(e.hash)}
              </span>
            </summary>
            <p class="mono small">hash {e.hash}</p>
            <p class="mono small">prev {e.prev_hash}</p>
            <pre class="log">{JSON.stringify(e.payload, null, 2)}</pre>
          </details>
        </li>
      ))}
    </ol>
  );
}
