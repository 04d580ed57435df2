#!/usr/bin/env bash
# Removes an installed MpegFlow Appliance: its systemd unit and its prefix. The data dir
# (database, audit trail, keys, objects) is kept unless --purge-data is given.
set -euo pipefail
refuse() { echo "uninstall.sh: refused: $*" >&2; exit 1; }
PREFIX="$(cd "$(dirname "$0")" && pwd)" PURGE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="${2:?}"; shift 2 ;;
    --purge-data) PURGE=1; shift ;;
    -h|--help) echo "usage: uninstall.sh [--prefix DIR] [--purge-data]" >&2; exit 0 ;;
    *) echo "uninstall.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || refuse "must run as root"
[ -f "$PREFIX/BUNDLE.json" ] && [ -f "$PREFIX/INSTALLED" ] || refuse "$PREFIX is not an installed MpegFlow Appliance"
DATA_DIR="$(sed -n 's/^DATA_DIR=//p' "$PREFIX/INSTALLED")"
UNIT_DIR="$(sed -n 's/^UNIT_DIR=//p' "$PREFIX/INSTALLED")"
SYSTEMD="$(sed -n 's/^SYSTEMD=//p' "$PREFIX/INSTALLED")"
if [ "$SYSTEMD" = 1 ]; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then systemctl disable --now mpegflow.service 2>/dev/null || true; fi
  rm -f "$UNIT_DIR/mpegflow.service"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then systemctl daemon-reload || true; fi
fi
rm -rf "$PREFIX"
if [ "$PURGE" = 1 ]; then
  rm -rf "$DATA_DIR"
  echo "removed $PREFIX and the data dir $DATA_DIR"
else
  echo "removed $PREFIX; the data dir $DATA_DIR is kept (uninstall.sh --purge-data removes it)"
fi
