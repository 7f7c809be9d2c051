//go:build unix

package bot

import (
	"context"
	"testing"
	"time"

	"github.com/secbrief/secbrief/internal/fakediscord"
	"github.com/secbrief/secbrief/internal/latency"
)

// BenchmarkInteractionFloor measures the floor under the cached /summarize
// benchmark of cmd/secbrief: a bot whose command answers every interaction
// at once with a one-line message, 200 interactions dispatched together by
// the in-process fake. What it reports is the cost of the fake, the
// gateway connection and the REST round trip on this machine, before any
// of secbrief's work.
func BenchmarkInteractionFloor(b *testing.B) {
	srv := fakediscord.New(b, fakediscord.Options{})
	h := &fakeHandler{handle: func(context.Context, Request) (Response, error) {
		return Response{Content: "ok"}, nil
	}}
	opts := Options{Token: srv.Token(), APIBaseURL: srv.URL(), GuildID: srv.GuildID()}
	s, err := NewSession(opts)
	if err != nil {
		b.Fatal(err)
	}
	bot := New(s, h, opts, discardLogger())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go bot.Run(ctx)
	<-bot.Ready()
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if err := srv.Wait(wctx, func() bool { return len(srv.Commands(srv.GuildID())) == 1 }); err != nil {
		b.Fatal(err)
	}
	// burst dispatches 200 interactions back to back and returns the
	// latency of each one's callback. One unmeasured burst first opens the
	// REST connections a running bot has.
	burst := func() []time.Duration {
		ps := make([]*fakediscord.Prepared, 200)
		for k := range ps {
			p, err := srv.PrepareInteraction(fakediscord.SlashCommand("ping"))
			if err != nil {
				b.Fatal(err)
			}
			ps[k] = p
		}
		ds, err := srv.DispatchPrepared(ps...)
		if err != nil {
			b.Fatal(err)
		}
		var lat []time.Duration
		for _, d := range ds {
			st, err := srv.WaitInteraction(wctx, d.ID, func(i fakediscord.Interaction) bool { return i.Acked() })
			if err != nil {
				b.Fatal(err)
			}
			ack, _ := st.FirstAck()
			lat = append(lat, ack.Latency)
		}
		return lat
	}
	burst()
	var lat []time.Duration
	cpu0 := latency.CPU(b)
	for b.Loop() {
		lat = append(lat, burst()...)
	}
	latency.Report(b, lat, latency.CPU(b)-cpu0)
}
