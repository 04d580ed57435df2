// End to end on the embedded defaults (SQLite, the embedded object store), with encryption at
// rest on: the first start builds the FFmpeg 7.1 image (test/e2e/job-end-to-end.ts has the job).
import { test } from 'uvu';
import { killServers } from '../helpers/cli.js';
import { jobEndToEnd } from './job-end-to-end.js';

test.after(killServers);

test('npm start → upload → submit → completed → outputs read through the API → audit complete and verified', () => jobEndToEnd({ image: 'build' }));

test.run();
