import { join } from 'node:path';
import { packageRoot } from '../config/package-root.js';

/** The one recipe this folder builds: FFmpeg 7.1 from Debian 13 (trixie) binary packages. */
export const RECIPE_NAME = 'debian-ffmpeg-7.1';
export const RECIPE_SUITE = 'trixie';
export const RECIPE_ARCH = 'amd64';
/** The packages whose dependency closure (without Recommends) is locked. */
export const RECIPE_ROOT_PACKAGES: readonly string[] = ['ffmpeg'];
/** The binaries the image keeps, as found in the packages. */
export const RECIPE_BINARIES: Readonly<Record<string, string>> = { ffmpeg: 'usr/bin/ffmpeg', ffprobe: 'usr/bin/ffprobe' };
/** The major.minor the built ffmpeg must report. */
export const RECIPE_FFMPEG_SERIES = '7.1';

export const recipeDir: string = join(packageRoot, 'images', 'recipes', RECIPE_NAME);
export const defaultLockPath: string = join(recipeDir, 'lock.json');
