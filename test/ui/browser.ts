import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { packageRoot } from '../../src/config/package-root.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Debian's chromium (`apt-get install chromium`; `.ci/run` installs it). A downloaded browser does not run here. */
export const CHROMIUM = '/usr/bin/chromium';
export const screenshotDir = join(packageRoot, 'test-output', 'ui');

/**
 * A headless Chromium with a fresh profile. A missing browser is a failure, never a skip
 * (CI=true or not): the UI tests are the only proof the pages work.
 */
export async function launchChromium(viewport = { width: 1280, height: 720 }, trust?: { caFile: string }): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)${process.env.CI === 'true' ? ' — CI must provide it' : ''}`,
    );
  }
  return chromium.launchPersistentContext(tempDir('mpegflow-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--autoplay-policy=no-user-gesture-required',
      // Trust the appliance CA (by its public key), not every certificate.
      ...(trust ? [`--ignore-certificate-errors-spki-list=${spkiHash(trust.caFile)}`] : []),
    ],
  });
}

/** base64 sha256 of a certificate's SubjectPublicKeyInfo: how Chromium names a key to trust. */
export function spkiHash(certFile: string): string {
  const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** Every URL the page asks for, so a test can assert nothing left the appliance. */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (r) => urls.push(r.url()));
  return urls;
}

/** Requests to anything but the appliance at 127.0.0.1 (blob:/data: URLs stay in the page). */
export function offAppliance(urls: string[]): string[] {
  return urls.filter((u) => {
    if (u.startsWith('blob:') || u.startsWith('data:')) return false;
    try {
      return new URL(u).hostname !== '127.0.0.1';
    } catch {
      return true;
    }
  });
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Collects console errors and page errors (a broken page should fail the test). */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Submits the filled-in Submit page and waits for the Jobs page: the new job's row (the first) and its id. */
export async function submitJob(page: Page): Promise<{ row: Locator; jobId: string }> {
  await page.getByRole('button', { name: 'Submit', exact: true }).click();
  await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
  const row = page.locator('tr[data-job]').first();
  await row.waitFor();
  return { row, jobId: (await row.getAttribute('data-job'))! };
}
