export const usage = `Usage: mpegflow <command> [options]

Commands:
  start                  run the appliance (same as npm start)
  init                   create the data dir, audit key and admin token (idempotent)
  audit verify [--db F]  recompute the audit hash chain; exit 0 only if intact

Options:
  -h, --help             show this help
  -v, --version          print the version

Environment: MPEGFLOW_DATA_DIR, MPEGFLOW_PORT, MPEGFLOW_HOST, MPEGFLOW_CONFIG,
MPEGFLOW_ADMIN_TOKEN, MPEGFLOW_DATABASE_URL, MPEGFLOW_S3_ENDPOINT (see README.md).`;
