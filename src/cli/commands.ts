import { dataLayout } from '../../appliance/data-layout.js';
import { startAppliance } from '../../appliance/boot.js';
import { initAppliance } from '../../appliance/init.js';
import { openStore } from '../store/open-store.js';
import { config } from './load-config.js';

export { config };

export type Print = (line: string) => void;

export async function initCommand(print: Print): Promise<number> {
  const cfg = await config();
  const { report, store } = await initAppliance(cfg, dataLayout(cfg.dataDir), () => openStore(cfg));
  await store.close();
  print(`Data dir: ${cfg.dataDir}${report.dataDirCreated ? ' (created)' : ''}`);
  print(`Audit key: ${report.keyFingerprint}${report.keyCreated ? ' (created)' : ''}`);
  if (report.tlsCaFingerprint) print(`TLS CA fingerprint (sha256): ${report.tlsCaFingerprint} (\`mpegflow tls ca-cert\` prints the certificate)`);
  if (report.adminToken.issued) print(`Admin token: ${report.adminToken.path ?? 'from MPEGFLOW_ADMIN_TOKEN'} (issued)`);
  else print('Admin token: already issued');
  if (report.adminAccount?.created) print(`Admin account: admin, password in ${report.adminAccount.passwordPath} (created; log in to the UI with it)`);
  return 0;
}

export async function startCommand(print: Print): Promise<number> {
  // Signals are caught from the first moment: one that arrives while booting stops the
  // appliance as soon as it is up (never a kill mid-boot by the default handler).
  let requested: string | null = null;
  let onSignal: (signal: string) => void = (signal) => {
    requested = signal;
  };
  const handler = (signal: string) => onSignal(signal);
  // SIGHUP reloads the TLS certificate; one that arrives while booting is not a stop.
  let reloadTls: () => void = () => undefined;
  const hangup = () => reloadTls();
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', hangup);
  try {
    const running = await startAppliance(await config(), print);
    reloadTls = () => void running.tls?.reload('SIGHUP');
    await new Promise<void>((resolve) => {
      onSignal = (signal) => {
        onSignal = () => undefined;
        running.stop(`signal ${signal}`).then(resolve, (err: unknown) => {
          running.logger.error({ err }, 'stop failed');
          resolve();
        });
      };
      if (requested) onSignal(requested);
    });
    return 0;
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    process.off('SIGHUP', hangup);
  }
}
