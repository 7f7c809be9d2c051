package bot

import "testing"

func TestInShard(t *testing.T) {
	tests := []struct {
		name           string
		shardID, count int
		guildID        string
		want           bool
	}{
		// (41771983423143937 >> 22) = 9959216934: 0 mod 2, 0 mod 3, 6 mod 16.
		{"shard 0 of 2", 0, 2, "41771983423143937", true},
		{"shard 1 of 2", 1, 2, "41771983423143937", false},
		{"shard 6 of 16", 6, 16, "41771983423143937", true},
		{"shard 5 of 16", 5, 16, "41771983423143937", false},
		// (81384788765712384 >> 22) = 19403645698: 1 mod 3.
		{"shard 1 of 3", 1, 3, "81384788765712384", true},
		{"shard 0 of 3", 0, 3, "81384788765712384", false},
		// Only the bits above the timestamp's low 22 count: 1<<22 is 1.
		{"the low 22 bits are not the shard", 1, 2, "4194304", true},
		{"just below", 1, 2, "4194303", false},
		{"not a number", 0, 2, "guild", false},
		{"negative", 0, 2, "-4194304", false},
		{"empty", 0, 2, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := InShard(tc.shardID, tc.count)
			if in == nil {
				t.Fatalf("InShard(%d, %d) = nil, want a filter", tc.shardID, tc.count)
			}
			if got := in(tc.guildID); got != tc.want {
				t.Errorf("InShard(%d, %d)(%q) = %v, want %v", tc.shardID, tc.count, tc.guildID, got, tc.want)
			}
		})
	}
}

// TestInShardOneShard: one process serves every guild, so there is no
// filter at all (the digest runner and the notices then skip none).
func TestInShardOneShard(t *testing.T) {
	for _, count := range []int{0, 1} {
		if InShard(0, count) != nil {
			t.Errorf("InShard(0, %d) is a filter, want nil", count)
		}
	}
}
