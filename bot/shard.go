package bot

import "strconv"

// InShard returns the filter of the guilds that shard shardID of
// shardCount serves, by Discord's rule: (guild_id >> 22) % shard_count ==
// shard_id. Digests, resumes and feed notices run in the process whose
// shard has the guild, so each happens once across the shards. It returns
// nil, no filter, when there is one shard (shardCount below 2).
func InShard(shardID, shardCount int) func(guildID string) bool {
	if shardCount <= 1 {
		return nil
	}
	return func(guildID string) bool {
		id, err := strconv.ParseUint(guildID, 10, 64)
		return err == nil && int((id>>22)%uint64(shardCount)) == shardID
	}
}
