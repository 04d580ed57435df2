/**
 * The ffmpeg arguments of a test master made from lavfi sources: testsrc2 video of `size`
 * at 25 fps and a sine tone, `seconds` long, as H.264 (ultrafast) + AAC. The output path
 * (and any option before it) is the caller's.
 */
export function testClipArgs(size: string, seconds: number): string[] {
  return [
    ...['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25:duration=${seconds}`],
    ...['-f', 'lavfi', '-i', `sine=duration=${seconds}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest'],
  ];
}
