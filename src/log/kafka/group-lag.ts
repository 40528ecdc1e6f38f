import type { Admin } from '@platformatic/kafka';
import { TOPICS, type GroupPartitionLag } from '../log.js';
import type { Topics } from './topics.js';

const OURS = new Set<string>(Object.values(TOPICS));

/** ListOffsets' "latest" timestamp: the log-end offset. */
const LATEST = -1n;

/**
 * Every consumer group's committed offsets on this log's topics, against the partitions' end
 * offsets: the lag `kafka-consumer-groups.sh --describe` shows, for all groups at once.
 * Groups outside the topic prefix, and topics that are not this log's, are left out.
 */
export async function fetchGroupLag(admin: Admin, topics: Topics, prefix: string): Promise<GroupPartitionLag[]> {
  const groupIds = [...(await admin.listGroups()).keys()].filter((g) => g.startsWith(prefix)).sort();
  if (groupIds.length === 0) return [];
  const committed = await admin.listConsumerGroupOffsets({ groups: groupIds });
  const rows: { group: string; full: string; topic: string; partition: number; committed: number | null }[] = [];
  const partitionsByTopic = new Map<string, Set<number>>();
  for (const g of committed) {
    for (const t of g.topics) {
      const topic = topics.logical(t.name);
      if (topic === undefined || !OURS.has(topic)) continue;
      for (const p of t.partitions) {
        const c = p.committedOffset >= 0n ? Number(p.committedOffset) : null;
        rows.push({ group: g.groupId.slice(prefix.length), full: t.name, topic, partition: p.partitionIndex, committed: c });
        const set = partitionsByTopic.get(t.name) ?? new Set<number>();
        set.add(p.partitionIndex);
        partitionsByTopic.set(t.name, set);
      }
    }
  }
  if (rows.length === 0) return [];
  const listed = await admin.listOffsets({
    topics: [...partitionsByTopic].map(([name, ps]) => ({
      name,
      partitions: [...ps].map((partitionIndex) => ({ partitionIndex, timestamp: LATEST })),
    })),
  });
  const ends = new Map<string, number>();
  for (const t of listed) for (const p of t.partitions) ends.set(`${t.name}:${p.partitionIndex}`, Number(p.offset));
  return rows
    .map((r) => {
      const endOffset = ends.get(`${r.full}:${r.partition}`) ?? 0;
      return {
        group: r.group,
        topic: r.topic,
        partition: r.partition,
        endOffset,
        committed: r.committed,
        lag: Math.max(0, endOffset - (r.committed ?? 0)),
      };
    })
    .sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
