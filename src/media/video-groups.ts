import type { VideoRungPlan } from './plan-types.js';

/**
 * The video groups of a package (rungs of one codec and range: "h264-sdr", "hevc-pq"), in
 * the order both manifests list them: H.264 before HEVC, SDR before HLG before PQ — the
 * most widely playable first. Within a group, rungs go by size, then bit rate.
 */
export function videoGroups<T extends { rung: VideoRungPlan }>(videos: readonly T[]): Array<{ group: string; members: T[] }> {
  const groups = new Map<string, T[]>();
  for (const v of videos) groups.set(v.rung.group, [...(groups.get(v.rung.group) ?? []), v]);
  const rank = (r: VideoRungPlan): number => (r.codec === 'h264' ? 0 : 10) + (r.range === 'sdr' ? 0 : r.range === 'hlg' ? 1 : 2);
  return [...groups.entries()]
    .map(([group, members]) => ({
      group,
      members: [...members].sort((a, b) => a.rung.width * a.rung.height - b.rung.width * b.rung.height || a.rung.bitrateKbps - b.rung.bitrateKbps),
    }))
    .sort((a, b) => rank((a.members[0] as T).rung) - rank((b.members[0] as T).rung) || a.group.localeCompare(b.group));
}
