// `mpegflow ladders` against the real app on a real port: the table, show (human and the exact
// JSON), create and update from a file (versions, nothing saved for the same template), the
// diff of two versions, LADDER_INVALID's problems on stderr with exit 1, refusals in one line,
// usage errors with exit 2.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServerType } from '@hono/node-server';
import { listen } from '../../appliance/listen.js';
import { packageVersion } from '../../src/config/package-root.js';
import { professionalTemplate } from '../../src/media/builtin-templates.js';
import type { LadderTemplateInput } from '../../src/http/schemas/ladder-template.js';
import { bin, cleanEnv, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { apiApp } from '../http/jobs-api-fixture.js';

let f: Awaited<ReturnType<typeof apiApp>>;
let server: ServerType;
let url = '';
const cwd = tempDir('mpegflow-ladders-');

/** The real CLI in a child process (async: the server runs in this process). */
function cli(args: string[], token: string = f.tokens.operator): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: cleanEnv({ MPEGFLOW_TOKEN: token }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
const ladders = (args: string[], token?: string) => cli(['ladders', ...args, '--url', url], token);

function file(name: string, body: unknown): string {
  const path = join(cwd, name);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  return path;
}

const rung720: LadderTemplateInput['rungs'][number] = {
  name: '720p',
  codec: 'h264',
  width: 1280,
  height: 720,
  rate: { mode: 'vbr', bitrateKbps: 3000, maxrateKbps: 3600, bufsizeKbps: 6000 },
  profile: 'high',
};
const uhd: LadderTemplateInput = {
  name: 'uhd-hdr',
  description: 'HEVC HDR10 with an H.264 fallback',
  rungs: [
    rung720,
    {
      name: '2160p-hdr',
      codec: 'hevc',
      width: 3840,
      height: 2160,
      rate: { mode: 'crf', crf: 20, maxrateKbps: 16000, bufsizeKbps: 24000 },
      profile: 'main10',
      range: 'hdr',
    },
  ],
};

test.before(async () => {
  f = await apiApp();
  const started = await listen(f.app.fetch, '127.0.0.1', 0);
  server = started.server;
  url = `http://127.0.0.1:${started.port}`;
});
test.after(async () => {
  server.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
  await f.close();
});

test('ladders (list): the built-in template in a table; --json the API items', async () => {
  for (const args of [[], ['list']]) {
    const r = await ladders(args, f.tokens.viewer);
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.is(lines.length, 2, r.stdout);
    assert.match(lines[0]!, /^NAME\s+VERSION\s+BUILT-IN\s+RUNGS\s+DESCRIPTION$/);
    assert.match(lines[1]!, /^professional\s+1\s+yes\s+5 rungs, 240p-2160p, h264\s+H\.264 SDR, 240p to 2160p/);
  }
  const json = await ladders(['--json'], f.tokens.viewer);
  assert.is(json.code, 0, json.stderr);
  const items = JSON.parse(json.stdout) as Array<{ name: string; template: unknown }>;
  assert.equal(
    items.map((i) => i.name),
    ['professional'],
  );
  assert.equal(items[0]!.template, professionalTemplate);
});

test('create, show, update, show --version, diff: versions from files, the exact JSON round-trips', async () => {
  const created = await ladders(['create', file('uhd.json', uhd)]);
  assert.is(created.code, 0, created.stderr);
  assert.match(created.stdout, /^ladder uhd-hdr version 1 saved, sha256 [0-9a-f]{64}\n$/);

  const listed = (await ladders([])).stdout.trimEnd().split('\n');
  assert.is(listed.length, 3);
  assert.match(listed[2]!, /^uhd-hdr\s+1\s+no\s+2 rungs, 720p-2160p, h264\+hevc \(1 HDR\)\s+HEVC HDR10 with an H\.264 fallback$/);
  // The columns line up.
  const at = listed[0]!.indexOf('BUILT-IN');
  for (const line of listed.slice(1)) assert.match(line.slice(at), /^(yes|no) /);

  const human = await ladders(['show', 'uhd-hdr'], f.tokens.auditor);
  assert.is(human.code, 0, human.stderr);
  assert.match(human.stdout, /^ladder:\s+uhd-hdr version 1$/m);
  assert.match(human.stdout, /^versions:\s+1$/m);
  assert.match(human.stdout, /^\s+NAME\s+CODEC\s+PROFILE\s+BOX\s+RATE\s+LEVEL\s+RANGE$/m);
  assert.match(human.stdout, /^\s+720p\s+h264\s+high\s+1280x720\s+vbr 3000k max 3600k buf 6000k\s+any\s+sdr$/m);
  assert.match(human.stdout, /^\s+2160p-hdr\s+hevc\s+main10\s+3840x2160\s+crf 20 max 16000k buf 24000k\s+any\s+hdr$/m);
  assert.match(human.stdout, /^gop:\s+2 s, 2 B-frames, at most 60 fps$/m);
  assert.match(human.stdout, /^saved:\s+\S+ by token:/m);
  assert.match(human.stdout, /^audio: {12}every language of the master; missing: skip\n {18}AAC stereo 128k; no 5\.1\n {18}loudness as mastered$/m);
  assert.match(human.stdout, /^accepted formats: the appliance's policy$/m);

  // --json: exactly the saved template (defaults filled), to edit and send back.
  const shown = await ladders(['show', 'uhd-hdr', '--json']);
  assert.is(shown.code, 0, shown.stderr);
  const v1 = JSON.parse(shown.stdout) as Record<string, unknown> & { rungs: Array<Record<string, unknown>> };
  const api = (await (await f.app.request('/api/v1/ladders/uhd-hdr', { headers: f.auth('viewer') })).json()) as { template: unknown };
  assert.equal(v1, api.template);
  assert.is(v1['gopSeconds'], 2);

  const edited = structuredClone(v1);
  edited['gopSeconds'] = 4;
  edited['description'] = 'for contract 7';
  edited.rungs[0]!['rate'] = { mode: 'vbr', bitrateKbps: 3200, maxrateKbps: 3600, bufsizeKbps: 6000 };
  edited.rungs.push({ ...edited.rungs[0]!, name: '480p', width: 854, height: 480, profile: 'main' });
  const editedFile = file('uhd-v2.json', edited);
  const updated = await ladders(['update', editedFile]);
  assert.is(updated.code, 0, updated.stderr);
  assert.match(updated.stdout, /^ladder uhd-hdr version 2 saved \(was 1\), sha256 [0-9a-f]{64}\n$/);
  const same = await ladders(['update', editedFile]);
  assert.is(same.code, 0, same.stderr);
  assert.match(same.stdout, /^ladder uhd-hdr unchanged: version 2 is this template \(nothing saved\)$/m);
  assert.equal(
    (await f.store.audit.list()).filter((e) => e.type.startsWith('ladder.')).map((e) => [e.type, (e.payload as { version: number }).version]),
    [
      ['ladder.created', 1],
      ['ladder.updated', 2],
    ],
  );

  const old = JSON.parse((await ladders(['show', 'uhd-hdr', '--version', '1', '--json'])).stdout) as unknown;
  assert.equal(old, v1);
  const oldHuman = await ladders(['show', 'uhd-hdr', '--version', '1']);
  assert.match(oldHuman.stdout, /^ladder:\s+uhd-hdr version 1$/m);
  assert.match(oldHuman.stdout, /^versions:\s+1, 2$/m);
  const v2 = JSON.parse((await ladders(['show', 'uhd-hdr', '--json'])).stdout) as unknown;
  assert.equal(v2, edited);

  const diff = await ladders(['diff', 'uhd-hdr', '1', '2'], f.tokens.viewer);
  assert.is(diff.code, 0, diff.stderr);
  const lines = diff.stdout.trimEnd().split('\n');
  assert.is(lines[0], 'ladder uhd-hdr: version 1 -> 2, 4 differences');
  assert.match(lines[1]!, /^PATH\s+OLD\s+NEW$/);
  assert.match(diff.stdout, /^description\s+"HEVC HDR10 with an H\.264 fallback"\s+"for contract 7"$/m);
  assert.match(diff.stdout, /^gopSeconds\s+2\s+4$/m);
  assert.match(diff.stdout, /^rungs\[720p\]\.rate\.bitrateKbps\s+3000\s+3200$/m);
  assert.match(diff.stdout, /^rungs\[480p\]\s+\(none\)\s+\{.*"name":"480p"/m);
  const diffJson = await ladders(['diff', 'uhd-hdr', '2', '1', '--json']);
  assert.equal(
    (JSON.parse(diffJson.stdout) as Array<{ path: string; old?: unknown; new?: unknown }>).map((c) => [c.path, c.old ?? null, c.new ?? null]),
    [
      ['description', 'for contract 7', 'HEVC HDR10 with an H.264 fallback'],
      ['gopSeconds', 4, 2],
      ['rungs[720p].rate.bitrateKbps', 3200, 3000],
      ['rungs[480p]', edited.rungs[2], null],
    ],
  );
  const none = await ladders(['diff', 'professional', '1', '1']);
  assert.is(none.code, 0, none.stderr);
  assert.is(none.stdout.trim(), 'ladder professional: versions 1 and 1 are the same template');
});

test('an invalid template: each problem (path: message) on stderr, exit 1, nothing saved', async () => {
  const bad = {
    ...uhd,
    name: 'broken',
    rungs: [rung720, { ...rung720 }, { ...rung720, name: '1080p', range: 'hdr' }],
  };
  for (const command of ['create', 'update'] as const) {
    if (command === 'update') assert.is((await ladders(['create', file('broken-ok.json', { ...uhd, name: 'broken' })])).code, 0);
    const r = await ladders([command, file('broken.json', bad)]);
    assert.is(r.code, 1, r.stdout);
    assert.is(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, new RegExp(`^mpegflow: ladders ${command}: LADDER_INVALID: \\S+broken\\.json: 2 problems; nothing saved$`));
    assert.match(lines[1]!, /^ {2}rungs\.1\.name: duplicate rung name "720p"/);
    assert.match(lines[2]!, /^ {2}rungs\.2\.range: an HDR rung must be HEVC main10/);
    assert.is(lines.length, 3, r.stderr);
  }
  const versions = (await (await f.app.request('/api/v1/ladders/broken', { headers: f.auth('viewer') })).json()) as { versions: unknown[] };
  assert.is(versions.versions.length, 1, 'the invalid update saved nothing');
});

test('refusals are one line and exit 1; usage errors exit 2', async () => {
  const refusals: Array<[string[], RegExp, string?]> = [
    [['create', file('uhd-again.json', uhd)], /^mpegflow: ladders create: LADDER_EXISTS: /],
    [['update', file('pro.json', { ...uhd, name: 'professional' })], /^mpegflow: ladders update: LADDER_READ_ONLY: /],
    [
      ['update', file('nothing.json', { ...uhd, name: 'nothing-here' })],
      /^mpegflow: ladders update: LADDER_UNKNOWN: .*`mpegflow ladders create \S+nothing\.json` creates it/,
    ],
    [
      ['create', file('shape.json', { ...uhd, name: 'shape', rungs: [{ ...rung720, codec: 'vp9' }] })],
      /^mpegflow: ladders create: VALIDATION_FAILED: rungs\[0\]\.codec/,
    ],
    [['create', file('extra.json', { ...uhd, name: 'extra', watermark: true })], /^mpegflow: ladders create: VALIDATION_FAILED: watermark: unknown field/],
    [['create', file('nameless.json', { rungs: [rung720] })], /^mpegflow: ladders create: \S+nameless\.json: name: the template has no name$/m],
    [['create', file('not-json.json', '{"name": "x",')], /^mpegflow: \S+not-json\.json is not JSON: /],
    [['create', join(cwd, 'missing.json')], /^mpegflow: cannot read \S+missing\.json: ENOENT$/m],
    [['create', file('viewer.json', { ...uhd, name: 'by-viewer' })], /^mpegflow: ladders create: FORBIDDEN: /, f.tokens.viewer],
    [['show', 'nothing-here'], /^mpegflow: ladders show: LADDER_UNKNOWN: /],
    [['show', 'uhd-hdr', '--version', '9'], /^mpegflow: ladders show: LADDER_VERSION_UNKNOWN: /],
    [['diff', 'professional', '1', '2'], /^mpegflow: ladders diff: LADDER_VERSION_UNKNOWN: /],
    [['list'], /UNAUTHENTICATED/, 'not-a-token'],
  ];
  for (const [args, message, token] of refusals) {
    const r = await ladders(args, token);
    assert.is(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const down = await cli(['ladders', '--url', 'http://127.0.0.1:9']);
  assert.is(down.code, 1);
  assert.match(down.stderr, /cannot reach the appliance at http:\/\/127\.0\.0\.1:9/);

  for (const args of [
    ['show'],
    ['update', 'a.json', 'b.json'],
    ['diff', 'uhd-hdr', '1'],
    ['diff', 'uhd-hdr', '0', 'two'],
    ['show', 'uhd-hdr', '--version', 'latest'],
    ['show', 'uhd-hdr', '--version'],
    ['list', '--version', '2'],
    ['list', '--colour'],
  ]) {
    const r = await ladders(args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /Usage: mpegflow/);
  }
  const frob = await ladders(['frob']);
  assert.is(frob.code, 2);
  assert.match(frob.stderr, /unknown ladders command frob; try: mpegflow ladders \[list\]/);
  // --version is still the program's version outside `ladders`.
  assert.is((await cli(['--version'])).stdout.trim(), packageVersion);
  const help = await cli(['--help']);
  assert.match(help.stdout, /ladders show NAME \[--version N\] \[--json\]/);
  assert.match(help.stdout, /--caption FILE\[:LANG\]/);
  assert.match((await cli(['ladders', '--help'])).stdout, /ladders diff NAME V1 V2/);
});

test.run();
