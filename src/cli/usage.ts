export const usage = `Usage: mpegflow <command> [options]

Commands:
  start                  run the appliance (same as npm start)
  init                   create the data dir, audit key and admin token (idempotent)
  audit verify [--db F] [--heads FILE]... [--key PUBKEY.asc]
                         recompute the audit hash chain and check it against every signed
                         chain head found (head log, backups, sink, --heads); exit 0 only if
                         intact, else names the first bad seq or the missing seqs
  audit export --out FILE [--job ID] [--from ISO] [--to ISO]
                         write a signed audit bundle (tar; see docs/audit-bundle.md)
  audit verify-bundle FILE [--key PUBKEY.asc] [--previous OLDER.tar]
                         check a bundle's signature, files and chain (and that it extends
                         an older bundle); exit 0 only if all hold
  backup                 back the store up now into <data>/backups (also: audit backup);
                         sealed under the KEK when encryption at rest is on
  backup open FILE --out PATH
                         a sealed backup back into a database file (checked)
  images list            the encoder image catalog (* = the default image)
  images import DIR      import a signed encoder image (manifest.json + manifest.json.asc)
  images import-host [--ffmpeg P --ffprobe P] [--loader P --library-path DIRS --gconv DIR]
                         make, sign and import an image of this host's ffmpeg
  submit FILE [--ladder NAME] [--ladder-version N] [--packaging hls,dash]
         [--caption FILE[:LANG]]... [--wait] [--url URL] [--token T] [--ca FILE]
                         upload FILE (and each caption file) to a running appliance and
                         submit a job; prints the job id (the pinned ladder version on
                         stderr); caption language from :LANG or the name (Movie.en.vtt);
                         packaging default: the ladder's; --wait follows the job and
                         exits 0 only if completed; HTTPS is verified against --ca FILE
                         (default: this appliance's CA)
  ladders [list] [--json]
                         ladder templates: name, version, built-in, rungs, description
  ladders show NAME [--version N] [--json]
                         one template (the newest version, or N); --json prints exactly
                         its JSON, to edit and send back with ladders update
  ladders create FILE.json
                         save a new template as version 1
  ladders update FILE.json
                         save the template FILE names as its next version (the same
                         template saves nothing); an invalid template prints each
                         problem (path: message) and exits 1
  ladders diff NAME V1 V2 [--json]
                         what changed from version V1 to V2, field by field
                         (ladders take --url, --token, --ca like submit)
  tls ca-cert            print the appliance CA's certificate (PEM) to trust; its
                         sha256 fingerprint on stderr
  keys status            encryption at rest: the configured KEKs and how many data keys
                         each wraps; exit 1 if the key ring needs a KEK not configured
  keys rotate            re-wrap every data key of atRest.previousKekFiles under the
                         current KEK (MPEGFLOW_KEK_FILE); content is not re-encrypted
  images verify          re-hash every registered image; exit 0 only if all verify
  images remove ID       unregister an image no job pins, and delete it
  users list             operator accounts of the UI
  users add NAME --role admin|operator|viewer|auditor
                         create an account; prints its generated password once
  users reset-password NAME
                         new generated password (printed once), unlock, end sessions
  users reset-totp NAME  remove the account's second factor (lost phone); it enrolls
                         again at its next sign-in; its sessions end
  nodes [list]           the cluster's nodes: roles, state, live or lost, heartbeat age,
                         running tasks, version
  nodes drain ID         the node finishes what it runs and leases nothing new (audited)
  nodes resume ID        a drained node leases tasks again (audited)
  doctor                 check an installed appliance (files vs SHA256SUMS, encoder images,
                         data dir permissions, disk, clock, listening addresses); exit 0 only if all hold

Options:
  -h, --help             show this help
  -v, --version          print the version

Environment: MPEGFLOW_DATA_DIR, MPEGFLOW_PORT, MPEGFLOW_HOST, MPEGFLOW_CONFIG,
MPEGFLOW_ADMIN_TOKEN, MPEGFLOW_DATABASE_URL, MPEGFLOW_S3_ENDPOINT, MPEGFLOW_TOKEN,
MPEGFLOW_PLAIN_HTTP
(see README.md).`;
