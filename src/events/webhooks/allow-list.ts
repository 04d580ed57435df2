import { ApplianceError } from '../../errors/appliance-error.js';

/** Host names and addresses that always mean this host. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The host of a URL as compared: lower case, IPv6 without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

/**
 * Where webhooks may go: loopback, and the hosts the config allows (`webhookAllowedHosts`,
 * default: the hosts of the configured `webhooks`). The appliance calls nothing else.
 */
export class WebhookAllowList {
  readonly hosts: readonly string[];

  constructor(hosts: readonly string[] = []) {
    this.hosts = [...new Set(hosts.map((h) => h.toLowerCase().replace(/^\[(.*)\]$/, '$1')))];
  }

  allows(url: string | URL): boolean {
    let parsed: URL;
    try {
      parsed = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return false;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
    if (parsed.username || parsed.password) return false;
    const host = hostOf(parsed);
    return isLoopback(host) || this.hosts.includes(host);
  }

  /** The normalised URL, or a 400 naming why it is refused. */
  check(url: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ApplianceError('VALIDATION_FAILED', 'url: not a valid URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ApplianceError('VALIDATION_FAILED', `url: scheme ${parsed.protocol.replace(/:$/, '')} is not allowed (http or https)`);
    }
    if (parsed.username || parsed.password) {
      throw new ApplianceError('VALIDATION_FAILED', 'url: must not carry a user name or password (deliveries are signed with the secret)');
    }
    if (parsed.hash) throw new ApplianceError('VALIDATION_FAILED', 'url: must not have a #fragment');
    if (!this.allows(parsed)) {
      throw new ApplianceError(
        'WEBHOOK_TARGET_NOT_ALLOWED',
        `url: host ${hostOf(parsed)} is not an allowed webhook target (allowed: loopback${this.hosts.length ? `, ${this.hosts.join(', ')}` : ''}; see webhookAllowedHosts in the config)`,
        { details: { host: hostOf(parsed) } },
      );
    }
    return parsed.href;
  }
}
