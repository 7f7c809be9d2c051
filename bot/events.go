package bot

import (
	"encoding/json"
	"runtime"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/gateway"
	"github.com/secbrief/secbrief/internal/jsonscan"
)

// dispatch routes a gateway event to its handler. It runs on the gateway's
// reader, so events are decoded by the decoders, in parallel: nothing
// waits behind the decoding of an event nobody handles, and each handler
// then runs in its own goroutine.
func (b *Bot) dispatch(e gateway.Event) {
	switch e.Type {
	case "READY":
		var r discordgo.Ready
		if err := json.Unmarshal(e.Data, &r); err != nil {
			b.log.Error("decode READY", "err", err)
			return
		}
		go b.onReady(&r)
	case "INTERACTION_CREATE":
		b.decode <- func() {
			var i discordgo.Interaction
			if err := json.Unmarshal(e.Data, &i); err != nil {
				b.log.Error("decode interaction", "seq", e.Seq, "err", err)
				return
			}
			b.handlers.run(func() { b.onInteraction(&i) })
		}
	case "MESSAGE_CREATE":
		b.decode <- func() {
			if fromBot(e.Data) {
				return // including the echo of each of our own answers
			}
			var m discordgo.Message
			if err := json.Unmarshal(e.Data, &m); err != nil {
				b.log.Error("decode message", "seq", e.Seq, "err", err)
				return
			}
			go b.onMessage(&m)
		}
	}
}

// startDecoders starts one decoder per CPU, and the workers that run
// interaction handlers; they run until stop is called, once the gateway
// connection has ended. Long-lived, their stacks have grown to what
// decoding (or handling) takes: a goroutine per event would grow (copy)
// its stack every time.
func (b *Bot) startDecoders() (stop func()) {
	b.handlers = newHandlerPool(handlerWorkers)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for job := range b.decode {
				job()
			}
		})
	}
	return func() {
		close(b.decode)
		wg.Wait() // no decoder hands out a handler any more
		b.handlers.stop()
	}
}

// fromBot reports whether a MESSAGE_CREATE was written by a bot or the
// system, reading only its author (true when that cannot be read). Every
// answer the bot posts comes back as one: it is dropped after a scan, not
// a decode.
func fromBot(data []byte) bool {
	var author []byte
	err := jsonscan.Members(data, func(key string, val []byte) error {
		if key == "author" {
			author = val
		}
		return nil
	})
	if err != nil || author == nil {
		return true
	}
	var bot, system bool
	err = jsonscan.Members(author, func(key string, val []byte) error {
		switch key {
		case "bot":
			bot = string(val) == "true"
		case "system":
			system = string(val) == "true"
		}
		return nil
	})
	return err != nil || bot || system
}
