/** VERIFY.md: how a reviewer checks a bundle by hand, with standard tools and no MpegFlow. */
export function verifyMarkdown(options: { fingerprint: string; jobId: string | null; heads?: number | null }): string {
  const headsPart = options.heads === undefined || options.heads === null ? '' : signedHeadsMarkdown(options.heads);
  const jobPart = options.jobId
    ? `
## This is a job export

\`events.jsonl\` holds the **contiguous** run of the chain from the first to the last
event of job \`${options.jobId}\` (events of other jobs in between included), so every
line verifies with the recipe above. The job's own events:

\`\`\`sh
jq -c 'select(.job_id == "${options.jobId}")' events.jsonl
\`\`\`
`
    : '';
  return `# Verifying this MpegFlow audit bundle

Everything here checks with GnuPG, coreutils and (optionally) jq or python3.
Work in the extracted folder: \`mkdir b && tar -xf BUNDLE.tar -C b && cd b\`.

## 1. The signature

\`manifest.json.asc\` is a detached OpenPGP signature over \`manifest.json\` by the
appliance audit key (ed25519, v4). Its fingerprint is

    ${options.fingerprint}

Compare it with the fingerprint you received from the appliance out of band
(\`mpegflow start\` prints it; it is in \`<data>/trust/audit-key.pub.asc\`).
\`audit-key.asc\` is a copy of the public key, for convenience only: trust the
fingerprint, not the file.

\`\`\`sh
export GNUPGHOME="$(mktemp -d)"
gpg --import audit-key.asc
gpg --fingerprint
gpg --verify manifest.json.asc manifest.json
\`\`\`

## 2. Every file

\`manifest.json\` lists the sha256 of every other file (\`files\`). \`SHA256SUMS\` lists
the same hashes in \`sha256sum\` format, and is itself listed in the signed manifest:

\`\`\`sh
sha256sum -c SHA256SUMS
grep "\\"SHA256SUMS\\": \\"$(sha256sum SHA256SUMS | cut -d' ' -f1)\\"" manifest.json
\`\`\`

or straight from the signed manifest:

\`\`\`sh
jq -r '.files | to_entries[] | "\\(.value)  \\(.key)"' manifest.json | sha256sum -c
\`\`\`

No file may be present that the manifest does not list.

## 3. The hash chain

Each line of \`events.jsonl\` is exactly the canonical event text \`C\` that was hashed
(RFC 8785 JSON of \`actor, at, job_id, payload, seq, type\`). For each line in order:

\`\`\`
hash = sha256_hex( previous_hash_hex || line )
\`\`\`

starting from the anchor \`anchor.json\` (the hash of the event before the first line;
seq 0 with 64 zeros means the start of the chain). Each line's \`seq\` is the previous
plus one. The final hash must equal \`chain.last.hash\` in \`manifest.json\`:

\`\`\`sh
prev=$(jq -r .hash anchor.json)
while IFS= read -r line; do
  prev=$(printf '%s%s' "$prev" "$line" | sha256sum | cut -d' ' -f1)
done < events.jsonl
echo "$prev"; jq -r .chain.last.hash manifest.json
\`\`\`

or, faster, with python3 (also checks the seq numbers):

\`\`\`sh
python3 - <<'PY'
import hashlib, json
anchor = json.load(open('anchor.json')); m = json.load(open('manifest.json'))
prev, seq = anchor['hash'], anchor['seq']
for line in open('events.jsonl', 'rb'):
    line = line.rstrip(b'\\n'); seq += 1
    assert json.loads(line)['seq'] == seq, f'seq {seq} out of order'
    prev = hashlib.sha256(prev.encode() + line).hexdigest()
assert (seq, prev) == (m['chain']['last']['seq'], m['chain']['last']['hash']), 'chain head differs'
print('chain intact up to seq', seq, prev)
PY
\`\`\`

An empty \`events.jsonl\` is valid: the range held no events, and \`chain.last\` equals the anchor.

## 4. Checkpoints: the next export extends this one

\`checkpoint.head\` in \`manifest.json\` is the whole chain's head (seq and hash) when this
bundle was made; \`checkpoint.previous\` is the head the previous export certified. Holding
two bundles A and B (B later): B's \`checkpoint.previous.head\` equals A's \`checkpoint.head\`
(when no export happened in between), and when B's events cover that seq, the hash the
recipe computes at that seq in B equals it (or B's anchor is that point). Then nothing
certified by A was rewritten before B.

## 5. Job records, probes, encoder images

\`jobs/<id>.json\` are the job and task records; \`jobs/<id>.ffprobe.<seq>.json\` the ffprobe
output recorded by the \`job.probed\` event of that seq; \`jobs/<id>.quality.<seq>.json\` the quality
gate's figures per rendition (PSNR, SSIM, XPSNR: mean, min, worst segment) recorded by the
\`job.quality\` event of that seq (docs/quality.md). \`images/<id>.manifest.json\` are
the encoder image manifests (their sha256 is the image id) and
\`images/<id>.manifest.json.asc\` their detached signatures. \`ladders/<name>.v<N>.json\` is the
ladder template version each job pinned, as saved: its sha256 is the \`ladderSha256\` of the
job's \`job.submitted\` event (\`sha256sum ladders/NAME.vN.json\`). The encoder images:

\`\`\`sh
gpg --verify images/ID.manifest.json.asc images/ID.manifest.json
sha256sum images/ID.manifest.json    # equals ID
\`\`\`
${headsPart}${jobPart}`;
}

/** Section 6: checking one signed chain head with GnuPG, sha256sum and coreutils only. */
function signedHeadsMarkdown(count: number): string {
  return `
## 6. Signed chain heads

The appliance signs its chain head (seq and hash) every minute while events are appended
and at every clean stop, into a head log kept outside its database; copies go into its
backups and, when configured, a write-once folder on another volume. A signed head says:
the chain, up to this seq, was exactly this. \`heads.log\` holds the heads that fall on this
bundle's events (${count === 0 ? 'none here: no head was signed within this range' : count === 1 ? '1 here' : `${count} here`}), copied verbatim from the
appliance's log, one per line:

    RECORD <TAB> base64(signature)

RECORD is canonical JSON (\`at\`, \`format\`, \`hash\`, \`key\`, \`log\`, \`n\`, \`previous\`, \`reason\`,
\`seq\`); the signature is a detached OpenPGP signature by the audit key over RECORD followed
by one newline; \`previous\` is the sha256 of the whole line before it in the appliance's log.
Check head \`N\` (1 = the first line) with GnuPG, \`sha256sum\` and coreutils only:

\`\`\`sh
N=1
export GNUPGHOME="$(mktemp -d)"; gpg --batch --import audit-key.asc
sed -n "\${N}p" heads.log | cut -f1 > head.json             # RECORD and its newline: the signed bytes
sed -n "\${N}p" heads.log | cut -f2 | base64 -d > head.sig
gpg --batch --verify head.sig head.json                      # "Good signature" by the audit key
seq=$(sed 's/.*"seq":\\([0-9]*\\).*/\\1/' head.json)
hash=$(sed 's/.*"hash":"\\([0-9a-f]*\\)".*/\\1/' head.json)
aseq=$(sed 's/.*"seq":\\([0-9]*\\).*/\\1/' anchor.json)
prev=$(sed 's/.*"hash":"\\([0-9a-f]*\\)".*/\\1/' anchor.json)
head -n "$((seq - aseq))" events.jsonl > upto.jsonl
while IFS= read -r line; do
  prev=$(printf '%s%s' "$prev" "$line" | sha256sum | cut -d' ' -f1)
done < upto.jsonl
[ "$prev" = "$hash" ] && echo "head $N: the chain at seq $seq is $hash, as signed"
\`\`\`

The last line prints only when the events recompute, at the head's seq, to the signed hash.
Two consecutive heads link: line \`N+1\`'s \`previous\` is the sha256 of line \`N\` (both commands
print the same hash):

\`\`\`sh
sed -n "\${N}p" heads.log | sha256sum | cut -d' ' -f1
sed -n "$((N + 1))p" heads.log | cut -f1 | sed 's/.*"previous":"\\([0-9a-f]*\\)".*/\\1/'
\`\`\`

A signed head whose seq is beyond the end of the appliance's chain shows that events were cut
off that end; \`mpegflow audit verify --heads heads.log\` checks a chain against heads you kept.
`;
}
