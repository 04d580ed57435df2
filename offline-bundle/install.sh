#!/usr/bin/env bash
# Installs an MpegFlow Appliance offline bundle. Every check runs before the host is
# changed: root, the release signature, the tar's integrity, free disk, the installed
# version, every file's sha256, the database schema. A refusal is one line on stderr,
# exit 1 (usage: exit 2), and leaves the host as it was. See INSTALL.md.
set -euo pipefail
umask 022
# Pipelines end in readers that consume all their input (awk 'NR==1', not head): with
# pipefail an early-exiting reader would kill the writer with SIGPIPE and the script with it.

usage() {
  cat >&2 <<'USAGE'
usage: install.sh --bundle FILE.tar --key RELEASE.pub.asc [options]
  --signature FILE     detached signature of the bundle (default FILE.tar.asc)
  --prefix DIR         install folder (default /opt/mpegflow)
  --data-dir DIR       data folder, kept across upgrades (default /var/lib/mpegflow)
  --user NAME          service user, created if missing (default mpegflow; root: none)
  --host ADDR --port N listen address written to the unit (default 127.0.0.1:8080)
  --allow-ip CIDR      internal address the appliance may reach (unit IPAddressAllow and firewall); repeatable
  --unit-dir DIR       where systemd units go (default /etc/systemd/system)
  --no-systemd         write no units (tests, containers)
  --apply-firewall     load the egress-deny nftables ruleset now (it is always shipped)
USAGE
}

refuse() { echo "install.sh: refused: $*" >&2; exit 1; }

BUNDLE="" KEY="" SIG="" PREFIX="/opt/mpegflow" DATA_DIR="/var/lib/mpegflow" SVC_USER="mpegflow"
HOST="127.0.0.1" PORT="8080" UNIT_DIR="/etc/systemd/system" SYSTEMD=1 FIREWALL=0 ALLOW_IPS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE="${2:?}"; shift 2 ;;
    --key) KEY="${2:?}"; shift 2 ;;
    --signature) SIG="${2:?}"; shift 2 ;;
    --prefix) PREFIX="${2:?}"; shift 2 ;;
    --data-dir) DATA_DIR="${2:?}"; shift 2 ;;
    --user) SVC_USER="${2:?}"; shift 2 ;;
    --host) HOST="${2:?}"; shift 2 ;;
    --port) PORT="${2:?}"; shift 2 ;;
    --allow-ip) ALLOW_IPS+=("${2:?}"); shift 2 ;;
    --unit-dir) UNIT_DIR="${2:?}"; shift 2 ;;
    --no-systemd) SYSTEMD=0; shift ;;
    --apply-firewall) FIREWALL=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage; echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$BUNDLE" ] && [ -n "$KEY" ] || { usage; exit 2; }
SIG="${SIG:-$BUNDLE.asc}"
case "$PREFIX" in /*) ;; *) refuse "--prefix must be an absolute path" ;; esac
case "$DATA_DIR" in /*) ;; *) refuse "--data-dir must be an absolute path" ;; esac
for p in "$PREFIX" "$DATA_DIR" "$UNIT_DIR"; do [[ "$p" =~ ^/[A-Za-z0-9._/+-]*$ ]] || refuse "$p: use a plain absolute path (letters, digits, . _ - + /)"; done
[[ "$PORT" =~ ^[0-9]{1,5}$ ]] && [ "$PORT" -le 65535 ] || refuse "--port $PORT is not a TCP port"
[[ "$HOST" =~ ^[A-Za-z0-9.:-]+$ ]] || refuse "--host $HOST is not an address"
[[ "$SVC_USER" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || refuse "--user $SVC_USER is not a valid user name"
for ip in "${ALLOW_IPS[@]}"; do
  [[ "$ip" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?$ ]] || refuse "--allow-ip $ip: an IPv4 address or CIDR (the egress ruleset is IPv4 for internal targets)"
done
STARTED=$(date +%s)

# 1. root
[ "$(id -u)" = 0 ] || refuse "must run as root (it creates the service user, the prefix and systemd units)"
for tool in gpg tar sha256sum df awk sort stat; do command -v "$tool" >/dev/null || refuse "$tool is not installed"; done
for f in "$BUNDLE" "$SIG" "$KEY"; do [ -f "$f" ] || refuse "$f: no such file"; done
[ "$FIREWALL" = 0 ] || command -v nft >/dev/null || refuse "--apply-firewall: nft is not installed (apt-get install nftables)"

WORK="$(mktemp -d /tmp/mpegflow-install.XXXXXX)"
STAGING=""
cleanup() { rm -rf "$WORK"; [ -z "$STAGING" ] || rm -rf "$STAGING"; }
trap cleanup EXIT

# 2. the release signature (only the given key is trusted: a fresh GnuPG home)
export GNUPGHOME="$WORK/gnupg"
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --import "$KEY" 2>/dev/null || refuse "$KEY is not an OpenPGP public key"
KEY_FPR="$(gpg --batch --with-colons --fingerprint 2>/dev/null | awk -F: '$1=="fpr" && !done {print $10; done=1}')"
[ -n "$KEY_FPR" ] || refuse "$KEY holds no key"
STATUS="$(gpg --batch --status-fd 1 --verify "$SIG" "$BUNDLE" 2>/dev/null || true)"
if ! grep -q "^\[GNUPG:\] VALIDSIG $KEY_FPR " <<<"$STATUS"; then
  if grep -q '^\[GNUPG:\] BADSIG' <<<"$STATUS"; then refuse "$BUNDLE: the signature does not verify (the bundle was changed after it was signed)"
  elif grep -q '^\[GNUPG:\] NO_PUBKEY\|^\[GNUPG:\] ERRSIG' <<<"$STATUS"; then refuse "$BUNDLE: not signed by the release key $KEY_FPR"
  else refuse "$BUNDLE: $SIG is not a valid signature of it by the release key $KEY_FPR"; fi
fi
if [ -f "$BUNDLE.sha256" ]; then
  want="$(awk '{print $1; exit}' "$BUNDLE.sha256")"
  got="$(sha256sum "$BUNDLE" | awk '{print $1}')"
  [ "$want" = "$got" ] || refuse "$BUNDLE: sha256 $got differs from $BUNDLE.sha256"
fi

# 3. the tar itself: complete, one top folder, regular files and folders only, no unsafe names
tar -tvf "$BUNDLE" >"$WORK/listing" 2>"$WORK/tar.err" || refuse "$BUNDLE is truncated or not a tar ($(tail -n 1 "$WORK/tar.err"))"
# Cut at a member boundary, a tar still lists cleanly: its end-of-archive marker (two zero blocks) is what is missing.
[ -z "$(tail -c 1024 "$BUNDLE" | od -An -v -tx1 | tr -d ' 0\n')" ] || refuse "$BUNDLE is truncated or not a tar (no end-of-archive marker)"
TOP="$(awk 'NR==1{print $6}' "$WORK/listing")"; TOP="${TOP%%/*}"
case "$TOP" in mpegflow-appliance-*) ;; *) refuse "$BUNDLE is not an MpegFlow bundle (top folder '$TOP')" ;; esac
awk -v top="$TOP" '{ t=substr($1,1,1); n=$0; for (i = 0; i < 5; i++) sub(/^[^ ]+ +/, "", n); if ((t!="-" && t!="d") || (n!=top"/" && index(n, top"/")!=1) || n ~ /(^|\/)\.\.(\/|$)/) { print n; exit 1 } }' "$WORK/listing" >"$WORK/bad" \
  || refuse "$BUNDLE holds an entry that is not a plain file inside $TOP/: $(cat "$WORK/bad")"
CONTENT_BYTES="$(awk '{s+=$3} END {printf "%d", s}' "$WORK/listing")"
tar -xOf "$BUNDLE" "$TOP/BUNDLE.json" >"$WORK/BUNDLE.json" 2>/dev/null || refuse "$BUNDLE has no BUNDLE.json"
json_field() { sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$2" | awk 'NR==1'; }
VERSION="$(json_field version "$WORK/BUNDLE.json")"
[ -n "$VERSION" ] || refuse "$BUNDLE: BUNDLE.json names no version"

# 4. free disk: the prefix's file system holds the unpacked bundle; the data dir's the imported encoder image and working room
existing_ancestor() { local d="$1"; while [ ! -e "$d" ]; do d="$(dirname "$d")"; done; echo "$d"; }
PREFIX_FS="$(existing_ancestor "$PREFIX")"; DATA_FS="$(existing_ancestor "$DATA_DIR")"
free_bytes() { df -PB1 "$1" | awk 'NR==2{print $4}'; }
MiB=$((1024 * 1024))
NEED_PREFIX=$((CONTENT_BYTES + 64 * MiB))
NEED_DATA=$((CONTENT_BYTES / 2 + 256 * MiB))
if [ "$(stat -c %d "$PREFIX_FS")" = "$(stat -c %d "$DATA_FS")" ]; then NEED_PREFIX=$((NEED_PREFIX + NEED_DATA)); NEED_DATA=0; fi
FREE_PREFIX="$(free_bytes "$PREFIX_FS")"
[ "$FREE_PREFIX" -ge "$NEED_PREFIX" ] || refuse "not enough disk: $PREFIX_FS has $((FREE_PREFIX / MiB)) MiB free, the install needs $((NEED_PREFIX / MiB)) MiB"
if [ "$NEED_DATA" -gt 0 ]; then
  FREE_DATA="$(free_bytes "$DATA_FS")"
  [ "$FREE_DATA" -ge "$NEED_DATA" ] || refuse "not enough disk: $DATA_FS has $((FREE_DATA / MiB)) MiB free, the data dir needs $((NEED_DATA / MiB)) MiB"
fi

# 5. what is installed already: never a downgrade
UPGRADE=0
if [ -e "$PREFIX" ]; then
  if [ -f "$PREFIX/BUNDLE.json" ]; then
    OLD="$(json_field version "$PREFIX/BUNDLE.json")"
    newest="$(printf '%s\n%s\n' "$OLD" "$VERSION" | sort -V | tail -n 1)"
    [ "$OLD" = "$VERSION" ] || [ "$newest" = "$VERSION" ] || refuse "version $OLD is installed in $PREFIX, newer than this bundle's $VERSION; run its uninstall.sh first (the data dir is kept)"
    UPGRADE=1
  elif [ -n "$(ls -A "$PREFIX" 2>/dev/null)" ]; then
    refuse "$PREFIX exists and is not an MpegFlow install"
  fi
fi

# 6. unpack next to the prefix and check every file against SHA256SUMS (and nothing extra)
mkdir -p "$(dirname "$PREFIX")"
STAGING="$(mktemp -d "$(dirname "$PREFIX")/.mpegflow-staging.XXXXXX")"
tar -xf "$BUNDLE" -C "$STAGING" --no-same-owner 2>"$WORK/tar.err" || refuse "$BUNDLE does not unpack ($(tail -n 1 "$WORK/tar.err"))"
NEW="$STAGING/$TOP"
[ -f "$NEW/SHA256SUMS" ] || refuse "$BUNDLE has no SHA256SUMS"
(cd "$NEW" && sha256sum --check --strict SHA256SUMS >"$WORK/sums.out" 2>&1) || {
  line="$(grep -E ': FAILED( open or read)?$' "$WORK/sums.out" | awk 'NR==1')"
  case "$line" in
    *": FAILED open or read") refuse "missing file ${line%: FAILED open or read} (listed in SHA256SUMS)" ;;
    *": FAILED") refuse "file ${line%: FAILED} does not match its sha256 in SHA256SUMS" ;;
    *) refuse "SHA256SUMS does not check: $(grep -v ': OK$' "$WORK/sums.out" | awk 'NR==1')" ;;
  esac
}
(cd "$NEW" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort) >"$WORK/present"
sed 's/^[0-9a-f]\{64\}  //' "$NEW/SHA256SUMS" | LC_ALL=C sort >"$WORK/listed"
extra="$(LC_ALL=C comm -23 "$WORK/present" "$WORK/listed" | awk 'NR==1')"
[ -z "$extra" ] || refuse "file $extra is not listed in SHA256SUMS"
"$NEW/node/bin/node" --version >/dev/null 2>&1 || refuse "the bundled Node does not run on this host"

# 7. the database: refuse a schema this version does not know (a downgrade)
if [ -f "$DATA_DIR/mpegflow.db" ]; then
  why="$("$NEW/node/bin/node" "$NEW/provisioning/schema-check.mjs" "$NEW/app" "$DATA_DIR/mpegflow.db" 2>&1)" || refuse "$why"
fi

# --- every check passed: from here the host changes ---
if [ "$SVC_USER" != root ] && ! id -u "$SVC_USER" >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$SVC_USER"
fi
SYSTEMD_LIVE=0
# Units written to another --unit-dir (tests, image builds) are not enabled.
if [ "$SYSTEMD" = 1 ] && [ "$UNIT_DIR" = /etc/systemd/system ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then SYSTEMD_LIVE=1; fi
if [ "$UPGRADE" = 1 ] && [ "$SYSTEMD_LIVE" = 1 ]; then systemctl stop mpegflow.service 2>/dev/null || true; fi
if [ -e "$PREFIX" ]; then
  rm -rf "$PREFIX.previous"
  mv "$PREFIX" "$PREFIX.previous"
fi
mv "$NEW" "$PREFIX"
rm -rf "$STAGING" "$PREFIX.previous"
STAGING=""

mkdir -p "$DATA_DIR"
chmod 0750 "$DATA_DIR"
[ "$SVC_USER" = root ] || chown -R "$SVC_USER:$SVC_USER" "$DATA_DIR"
as_service() {
  if [ "$SVC_USER" = root ]; then env MPEGFLOW_DATA_DIR="$DATA_DIR" "$@"
  else setpriv --reuid="$SVC_USER" --regid="$SVC_USER" --init-groups env HOME="$DATA_DIR" MPEGFLOW_DATA_DIR="$DATA_DIR" "$@"; fi
}
as_service "$PREFIX/bin/mpegflow" init >/dev/null
for image in "$PREFIX"/app/images/bundled/*/; do
  [ -f "$image/manifest.json" ] && as_service "$PREFIX/bin/mpegflow" images import "$image" >/dev/null
done

ALLOW="localhost${ALLOW_IPS[*]:+ ${ALLOW_IPS[*]}}"
NFT_ALLOW="$(IFS=,; echo "${ALLOW_IPS[*]:-}")"
render() {
  sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@DATA_DIR@|$DATA_DIR|g" -e "s|@USER@|$SVC_USER|g" -e "s|@HOST@|$HOST|g" \
      -e "s|@PORT@|$PORT|g" -e "s|@IP_ALLOW@|$ALLOW|g" -e "s|@NFT_ALLOW@|$NFT_ALLOW|g" "$1"
}
render "$PREFIX/provisioning/mpegflow-egress-deny.nft.in" >"$PREFIX/provisioning/mpegflow-egress-deny.nft"
if [ "${#ALLOW_IPS[@]}" = 0 ]; then sed -i '/@internal@/d' "$PREFIX/provisioning/mpegflow-egress-deny.nft"; else sed -i 's/ *# @internal@$//' "$PREFIX/provisioning/mpegflow-egress-deny.nft"; fi
if [ "$SYSTEMD" = 1 ]; then
  mkdir -p "$UNIT_DIR"
  render "$PREFIX/provisioning/mpegflow.service.in" >"$UNIT_DIR/mpegflow.service"
  if [ "$SYSTEMD_LIVE" = 1 ]; then systemctl daemon-reload && systemctl enable --now mpegflow.service; fi
fi
if [ "$FIREWALL" = 1 ]; then
  nft -f "$PREFIX/provisioning/mpegflow-egress-deny.nft"
fi
printf 'DATA_DIR=%s\nSVC_USER=%s\nUNIT_DIR=%s\nSYSTEMD=%s\nVERSION=%s\n' "$DATA_DIR" "$SVC_USER" "$UNIT_DIR" "$SYSTEMD" "$VERSION" >"$PREFIX/INSTALLED"
echo "installed mpegflow-appliance $VERSION in $PREFIX (data $DATA_DIR, user $SVC_USER$([ "$UPGRADE" = 1 ] && echo ', upgrade: data kept')) in $(( $(date +%s) - STARTED )) s"
