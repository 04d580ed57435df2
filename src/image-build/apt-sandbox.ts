import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildHost } from '../config/build-host.js';
import { ApplianceError } from '../errors/appliance-error.js';
import { runTool, stderrTail, type ToolResult } from './run-tool.js';

export interface AptSandboxOptions {
  mirror: string;
  suite: string;
  arch: string;
  /** The keyring the suite's InRelease must be signed by, the tools' PATH and proxies. */
  host: BuildHost;
}

/**
 * A private apt world in a temp dir: its own sources.list, state, cache, config and an
 * empty dpkg status. The host's /etc/apt is never read (APT_CONFIG points at the
 * sandbox's apt.conf, which moves Dir::Etc) and nothing is installed.
 */
export interface AptSandbox {
  readonly dir: string;
  /** Runs apt-get or apt-cache inside the sandbox. */
  run(tool: 'apt-get' | 'apt-cache', args: readonly string[]): Promise<ToolResult>;
  /** Text of the suite's InRelease, as verified by `apt-get update`. */
  readInRelease(): Promise<string>;
  dispose(): Promise<void>;
}

function aptConf(dir: string): string {
  const q = (value: string): string => JSON.stringify(value); // paths come from mkdtemp: no quotes inside
  return [
    `Dir::Etc ${q(join(dir, 'etc'))};`,
    `Dir::Etc::sourcelist "sources.list";`,
    `Dir::Etc::sourceparts "sources.list.d";`,
    `Dir::Etc::parts "apt.conf.d";`,
    `Dir::Etc::preferences "preferences";`,
    `Dir::Etc::preferencesparts "preferences.d";`,
    `Dir::Etc::trusted "trusted.gpg";`,
    `Dir::Etc::trustedparts "trusted.gpg.d";`,
    `Dir::State ${q(join(dir, 'state'))};`,
    `Dir::State::status ${q(join(dir, 'dpkg', 'status'))};`,
    `Dir::Cache ${q(join(dir, 'cache'))};`,
    `Dir::Log ${q(join(dir, 'log'))};`,
    `APT::Architecture "amd64";`,
    `APT::Architectures { "amd64"; };`,
    `APT::Get::AllowUnauthenticated "false";`,
    `APT::Install-Recommends "false";`,
    `APT::Install-Suggests "false";`,
    `APT::Update::Error-Mode "any";`,
    `Acquire::AllowInsecureRepositories "false";`,
    `Acquire::AllowDowngradeToInsecureRepositories "false";`,
    `Acquire::Languages "none";`,
    `Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";`,
    `Debug::NoLocking "true";`,
    '',
  ].join('\n');
}

function classifyUpdateFailure(result: ToolResult, mirror: string, keyring: string): ApplianceError {
  const text = `${result.stdout}\n${result.stderr}`;
  const tail = stderrTail(result);
  if (/NO_PUBKEY|is not signed|signatures? (couldn't|could not|were invalid)|EXPKEYSIG|not signed by/i.test(text)) {
    return new ApplianceError(
      'DEBIAN_KEYRING_UNTRUSTED',
      `the ${mirror} InRelease signature does not verify with ${keyring} (set MPEGFLOW_DEBIAN_KEYRING to a keyring from a newer debian-archive-keyring package): ${tail}`,
      { details: { mirror, keyring } },
    );
  }
  if (/Could not resolve|Failed to fetch|Unable to connect|Temporary failure|Connection failed|Could not connect|timed out|404\s+Not Found/i.test(text)) {
    return new ApplianceError('DEBIAN_MIRROR_UNREACHABLE', `cannot fetch the package index from ${mirror}: ${tail}`, {
      details: { mirror },
    });
  }
  return new ApplianceError('IMAGE_LOCK_FAILED', `apt-get update failed in the sandbox: ${tail}`, { details: { mirror } });
}

export async function openAptSandbox(options: AptSandboxOptions): Promise<AptSandbox> {
  const keyring = options.host.debianKeyring;
  if (!existsSync(keyring)) {
    throw new ApplianceError('DEBIAN_KEYRING_UNTRUSTED', `Debian archive keyring ${keyring} not found (apt-get install debian-archive-keyring)`);
  }
  if (options.arch !== 'amd64') throw new ApplianceError('IMAGE_LOCK_FAILED', `only amd64 is supported, not ${options.arch}`);
  const dir = await mkdtemp(join(tmpdir(), 'mpegflow-apt-'));
  // apt downloads as the unprivileged _apt user when run as root: let it reach state/lists/partial.
  await chmod(dir, 0o755);
  for (const sub of [
    'etc/apt.conf.d',
    'etc/sources.list.d',
    'etc/preferences.d',
    'etc/trusted.gpg.d',
    'state/lists/partial',
    'cache/archives/partial',
    'dpkg',
    'log',
  ]) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  await writeFile(join(dir, 'dpkg', 'status'), '');
  await writeFile(join(dir, 'apt.conf'), aptConf(dir));
  await writeFile(join(dir, 'etc', 'sources.list'), `deb [arch=${options.arch} signed-by=${keyring}] ${options.mirror} ${options.suite} main\n`);
  const env: NodeJS.ProcessEnv = { PATH: options.host.toolPath, LC_ALL: 'C', APT_CONFIG: join(dir, 'apt.conf'), ...options.host.proxies };
  const sandbox: AptSandbox = {
    dir,
    run: (tool, args) => runTool(tool, args, { env }),
    async readInRelease() {
      const lists = join(dir, 'state', 'lists');
      const name = (await readdir(lists)).find((file) => file.endsWith(`_dists_${options.suite}_InRelease`));
      if (!name) throw new ApplianceError('IMAGE_LOCK_FAILED', `no verified InRelease for ${options.suite} in the apt sandbox`);
      return readFile(join(lists, name), 'utf8');
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
  try {
    const update = await sandbox.run('apt-get', ['-q', 'update']);
    if (update.code !== 0 || /^(E|W): /m.test(update.stderr)) throw classifyUpdateFailure(update, options.mirror, keyring);
    await sandbox.readInRelease();
  } catch (err) {
    await sandbox.dispose();
    throw err;
  }
  return sandbox;
}
