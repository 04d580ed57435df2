#!/bin/sh
# The installed `mpegflow` command: the bundled Node runs the bundled appliance.
here="$(cd "$(dirname "$0")/.." && pwd)"
exec "$here/node/bin/node" "$here/app/bin/mpegflow.js" "$@"
