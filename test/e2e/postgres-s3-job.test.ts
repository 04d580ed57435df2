// The same job end to end with the store on a real PostgreSQL server and the objects on a real
// S3 server (the s3-swift fixture), as a cluster runs it: test/e2e/job-end-to-end.ts.
import { test } from 'uvu';
import { killServers } from '../helpers/cli.js';
import { testDatabaseUrl } from '../helpers/postgres.js';
import { s3Env } from '../storage/s3-fixture.js';
import { jobEndToEnd } from './job-end-to-end.js';

test.after(killServers);

test('on PostgreSQL + S3: upload → submit → completed → outputs read through the API → audit complete and verified', async () => {
  const s3 = await s3Env();
  if (!s3) throw new Error('this test needs the S3 fixture (test/storage/s3-fixture.ts)');
  try {
    await jobEndToEnd({
      image: 'preloaded',
      env: {
        MPEGFLOW_DATABASE_URL: await testDatabaseUrl(),
        MPEGFLOW_S3_ENDPOINT: s3.endpoint,
        MPEGFLOW_S3_ACCESS_KEY: s3.accessKey,
        MPEGFLOW_S3_SECRET_KEY: s3.secretKey,
      },
    });
  } finally {
    s3.stop();
  }
});

test.run();
