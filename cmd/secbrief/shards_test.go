package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/internal/fakellm"
)

// shardSet is n `secbrief run` processes, shard i of n each, against one
// harness's fake Discord, fake LLM and test site. Start it with
// startShards; it is stopped (gracefully) when the test ends.
type shardSet struct {
	h       *harness
	shards  []*shardProcess
	stopped bool // stop ran since the last (re)start
}

// shardProcess is the process of one shard; restart replaces process.
type shardProcess struct {
	*process
	id      int
	cfgPath string
	// llmKey is the LLM API key this shard's processes send: the fake
	// LLM's requests carrying it are this shard's (llmCalls).
	llmKey string
}

// newShardHarness is newHarness with a fake Discord whose guilds are
// spread over shardCount shards, guildsPerShard each (guild k belongs to
// shard k % shardCount).
func newShardHarness(t testing.TB, shardCount, guildsPerShard int) *harness {
	t.Helper()
	h := newHarness(t)
	h.dc = fakediscord.New(t, fakediscord.Options{
		Token: sentinelDiscordToken, Guilds: shardCount * guildsPerShard, ShardCount: shardCount,
	})
	h.cfg.Discord.APIBaseURL = h.dc.URL()
	h.cfg.Discord.GuildID = "" // global commands: every guild has them
	return h
}

// sqliteStorage gives each shard its own SQLite file (the storage
// section for startShards), since SQLite cannot be shared by processes.
func sqliteStorage(t testing.TB) func(shard int) string {
	dir := t.TempDir()
	return func(shard int) string {
		return fmt.Sprintf("storage:\n  path: %s\n", filepath.Join(dir, fmt.Sprintf("shard-%d.db", shard)))
	}
}

// startShards writes one config per shard and starts n `secbrief run`
// processes, shard i of n, then waits until every one is READY (its
// IDENTIFY accepted and its bot past READY) and the commands are
// registered (by shard 0, globally). extra(i) is YAML appended to shard
// i's config: at least its top-level storage section (sqliteStorage, or
// e.g. "storage:\n  driver: postgres\n  dsn: ...\n" for one shared
// database); it must not repeat the llm, fetch, feeds, discord or log
// sections the helper writes.
func (h *harness) startShards(n int, extra func(shard int) string) *shardSet {
	h.t.Helper()
	if extra == nil {
		h.t.Fatal("startShards: extra must give each shard its storage section")
	}
	s := &shardSet{h: h}
	for i := range n {
		sp := &shardProcess{id: i, llmKey: fmt.Sprintf("%s-shard%d", sentinelLLMKey, i)}
		sp.cfgPath = h.writeShardConfig(i, n, extra(i))
		s.shards = append(s.shards, sp)
	}
	identified := make([]int, n)
	for i, sp := range s.shards {
		identified[i] = s.readies(i)
		sp.process = h.spawnProcess(sp.cfgPath, "TEST_LLM_KEY="+sp.llmKey)
	}
	h.t.Cleanup(s.stop)
	for i := range s.shards {
		s.waitReady(i, identified[i])
	}
	h.wait("commands registered by shard 0", func() bool { return len(h.dc.Commands("")) > 0 })
	return s
}

// writeShardConfig writes the config of shard id of count, secrets as
// ${VAR} references, with extra appended, and returns its path.
func (h *harness) writeShardConfig(id, count int, extra string) string {
	h.t.Helper()
	path := filepath.Join(h.t.TempDir(), fmt.Sprintf("shard-%d.yaml", id))
	body := fmt.Sprintf(`llm:
  base_url: %s
  api_key: ${TEST_LLM_KEY}
  max_retries: 0
fetch:
  allow_networks: [127.0.0.0/8]
  allow_ports: %v
  timeout: 5s
feeds:
  defaults: []
intel:
  enabled: false
discord:
  token: ${TEST_DISCORD_TOKEN}
  api_base_url: %s
  shard_id: %d
  shard_count: %d
log:
  level: debug
`, h.llm.URL(), h.cfg.Fetch.AllowPorts, h.dc.URL(), id, count)
	if err := os.WriteFile(path, []byte(body+extra), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return path
}

// readies counts the accepted IDENTIFYs of shard i.
func (s *shardSet) readies(i int) int {
	n := 0
	for _, id := range s.h.dc.Identifies() {
		if id.Accepted && id.Shard == [2]int{i, len(s.shards)} {
			n++
		}
	}
	return n
}

// waitReady waits until shard i has more than before accepted IDENTIFYs
// and its current process logged READY, failing at once if it exits.
func (s *shardSet) waitReady(i, before int) {
	s.h.t.Helper()
	sp := s.shards[i]
	s.h.wait(fmt.Sprintf("shard %d ready", i), func() bool {
		select {
		case err := <-sp.exited:
			sp.exited <- err // keep it for stop and kill
			s.h.t.Fatalf("shard %d exited before READY: %v\n%s", i, err, sp.out.String())
		default:
		}
		return s.readies(i) > before && strings.Contains(sp.out.String(), " msg=ready ")
	})
}

// owner is the shard that owns guildID by Discord's rule.
func (s *shardSet) owner(guildID string) int { return fakediscord.ShardOf(guildID, len(s.shards)) }

// log is everything shard i's current process wrote.
func (s *shardSet) log(i int) string { return s.shards[i].out.String() }

// llmCalls are the fake LLM's requests made by shard i (by any of its
// processes, restarts included).
func (s *shardSet) llmCalls(i int) []fakellm.Request {
	var out []fakellm.Request
	for _, r := range s.h.llm.Requests() {
		if r.Header.Get("Authorization") == "Bearer "+s.shards[i].llmKey {
			out = append(out, r)
		}
	}
	return out
}

// kill ends shard i's process with SIGKILL (no shutdown at all) and waits
// until it is gone.
func (s *shardSet) kill(i int) {
	s.h.t.Helper()
	sp := s.shards[i]
	if err := sp.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.h.t.Fatalf("kill shard %d: %v", i, err)
	}
	select {
	case err := <-sp.exited:
		sp.exited <- err
	case <-time.After(30 * time.Second):
		s.h.t.Fatalf("shard %d still running 30 s after SIGKILL", i)
	}
}

// restart starts a new process for shard i with the same config (after
// kill, or alongside a live one) and waits until it is READY. A killed
// process's gateway session stays in the fake, as on Discord until it
// times out, but without a connection: Interaction.Shards does not list
// it, and its events are only kept for a RESUME that never comes.
func (s *shardSet) restart(i int) {
	s.h.t.Helper()
	sp := s.shards[i]
	before := s.readies(i)
	sp.process = s.h.spawnProcess(sp.cfgPath, "TEST_LLM_KEY="+sp.llmKey)
	// Cleanups run last-in first-out: this stop comes before the new
	// process's kill, so its shutdown is checked too.
	s.stopped = false
	s.h.t.Cleanup(s.stop)
	s.waitReady(i, before)
}

// stop sends SIGTERM to every running shard process and expects each to
// exit 0 within 20 s; it is idempotent and runs when the test ends. On
// failure it logs every shard's output.
func (s *shardSet) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	for _, sp := range s.shards {
		select {
		case err := <-sp.exited:
			sp.exited <- err
			continue // killed, or already stopped
		default:
		}
		if err := sp.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			s.h.t.Errorf("SIGTERM to shard %d: %v", sp.id, err)
		}
	}
	deadline := time.After(20 * time.Second)
	for _, sp := range s.shards {
		select {
		case err := <-sp.exited:
			sp.exited <- err
			if err != nil && sp.cmd.ProcessState != nil && !killed(sp.cmd.ProcessState) {
				s.h.t.Errorf("shard %d exit: %v", sp.id, err)
			}
		case <-deadline:
			s.h.t.Errorf("shard %d still running 20 s after SIGTERM", sp.id)
		}
	}
	if s.h.t.Failed() {
		for _, sp := range s.shards {
			s.h.t.Logf("shard %d log:\n%s", sp.id, sp.out.String())
		}
	}
}

// killed reports whether the process was ended by SIGKILL (kill), which
// stop does not count as a failed shutdown.
func killed(ps *os.ProcessState) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// checkLogs fails when a secret (the Discord token, any shard's LLM key,
// or extra) reached any shard's output.
func (s *shardSet) checkLogs(extra ...string) {
	s.h.t.Helper()
	secrets := append([]string{sentinelDiscordToken, sentinelLLMKey}, extra...)
	for _, sp := range s.shards {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(sp.out.String(), secret) {
				s.h.t.Errorf("shard %d output holds the secret %q", sp.id, secret)
			}
		}
	}
}
