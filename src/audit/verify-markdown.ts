/** VERIFY.md: how a reviewer checks a bundle by hand, with standard tools and no MpegFlow. */
export function verifyMarkdown(options: { fingerprint: string; jobId: string | null }): string {
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
output recorded by the \`job.probed\` event of that seq. \`images/<id>.manifest.json\` are
the encoder image manifests (their sha256 is the image id) and
\`images/<id>.manifest.json.asc\` their detached signatures:

\`\`\`sh
gpg --verify images/ID.manifest.json.asc images/ID.manifest.json
sha256sum images/ID.manifest.json    # equals ID
\`\`\`
${jobPart}`;
}
