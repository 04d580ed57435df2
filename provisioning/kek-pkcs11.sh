#!/bin/bash
# A key-encryption key held by a PKCS#11 token (an HSM; SoftHSM for trying it), for
# "atRest": {"kekCommand": ["/opt/mpegflow/provisioning/kek-pkcs11.sh", "/etc/mpegflow/kek-pkcs11.conf"]}
# The appliance runs it with one more argument: id | wrap | unwrap (docs/at-rest.md).
#   id       prints the key's name
#   wrap     base64 data key on stdin  -> base64 of IV (16) || AES-256-CBC-PAD(token key, data key) on stdout
#   unwrap   the other way
# The AES key never leaves the token (create it non-extractable, see docs/at-rest.md). The data
# key's integrity is checked by the object format itself (AES-GCM under the data key): a wrong
# or changed wrapped key opens nothing.
#
# CONF (shell variables): MODULE (the PKCS#11 library), TOKEN (token label), KEY_ID (hex id of
# the AES key), PIN_FILE (a 0600 file holding the user PIN), optionally SOFTHSM2_CONF.
set -euo pipefail
conf=${1:?usage: kek-pkcs11.sh CONF id|wrap|unwrap}
op=${2:?usage: kek-pkcs11.sh CONF id|wrap|unwrap}
# shellcheck source=/dev/null
. "$conf"
if [ -n "${SOFTHSM2_CONF:-}" ]; then export SOFTHSM2_CONF; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PKCS11_PIN=$(cat "$PIN_FILE")
export PKCS11_PIN
p11() {
  pkcs11-tool --module "$MODULE" --token-label "$TOKEN" --login --pin env:PKCS11_PIN --id "$KEY_ID" --mechanism AES-CBC-PAD "$@" >"$tmp/log" 2>&1 ||
    { grep -v 'ALWAYS_AUTHENTICATE' "$tmp/log" >&2; exit 1; }
}
hex_to_bytes() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")"; }
case "$op" in
  id) echo "pkcs11-${TOKEN}-${KEY_ID}" ;;
  wrap)
    base64 -d >"$tmp/in"
    iv=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
    p11 --encrypt --iv "$iv" -i "$tmp/in" -o "$tmp/out"
    { hex_to_bytes "$iv"; cat "$tmp/out"; } | base64 -w0
    echo
    ;;
  unwrap)
    base64 -d >"$tmp/in"
    iv=$(head -c16 "$tmp/in" | od -An -tx1 | tr -d ' \n')
    tail -c +17 "$tmp/in" >"$tmp/ct"
    p11 --decrypt --iv "$iv" -i "$tmp/ct" -o "$tmp/out"
    base64 -w0 <"$tmp/out"
    echo
    ;;
  *) echo "unknown operation $op (id | wrap | unwrap)" >&2; exit 2 ;;
esac
