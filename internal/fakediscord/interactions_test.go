package fakediscord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

var testCommands = []*discordgo.ApplicationCommand{
	{Name: "summarize", Description: "Summarize an article", Options: []*discordgo.ApplicationCommandOption{
		{Type: discordgo.ApplicationCommandOptionString, Name: "url", Description: "Article URL"},
		{Type: discordgo.ApplicationCommandOptionBoolean, Name: "private", Description: "Only you see it"},
	}},
	{Name: "Summarize", Type: discordgo.MessageApplicationCommand},
}

// register bulk-overwrites testCommands in the fake's guild.
func register(t *testing.T, srv *Server, sess *discordgo.Session) []*discordgo.ApplicationCommand {
	t.Helper()
	got, err := sess.ApplicationCommandBulkOverwrite(srv.AppID(), srv.GuildID(), testCommands)
	if err != nil {
		t.Fatalf("bulk overwrite: %v", err)
	}
	return got
}

func restCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return -1
}

func TestBulkOverwrite(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	sess := srv.NewSession(t)
	first := register(t, srv, sess)
	if len(first) != 2 || first[0].ID == "" || first[0].ApplicationID != srv.AppID() || first[0].GuildID != srv.GuildID() {
		t.Fatalf("returned commands = %+v", first)
	}
	again := register(t, srv, sess)
	if again[0].ID != first[0].ID {
		t.Errorf("overwrite changed the id of an unchanged command: %s -> %s", first[0].ID, again[0].ID)
	}
	cmds := srv.Commands(srv.GuildID())
	if len(cmds) != 2 || cmds[0].Name != "summarize" || cmds[1].Type != CommandMessage {
		t.Errorf("Commands = %+v", cmds)
	}
	if o, ok := cmds[0].Option("url"); !ok || o.Type != 3 {
		t.Errorf("option url = %+v, %v", o, ok)
	}
	if len(srv.Commands("")) != 0 {
		t.Error("guild overwrite registered global commands")
	}
	bad := []*discordgo.ApplicationCommand{{Name: "Bad Name", Description: "x"}}
	if _, err := sess.ApplicationCommandBulkOverwrite(srv.AppID(), "", bad); restCode(err) != CodeInvalidFormBody {
		t.Errorf("invalid command name: err = %v, want code 50035", err)
	}
}

func TestSlashCommandDeferThenEdit(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	errs := make(chan error, 4)
	var seen = make(chan *discordgo.InteractionCreate, 1)
	sess := open(t, srv, func(s *discordgo.Session) {
		s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
			seen <- ic
			errs <- s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
			embeds := []*discordgo.MessageEmbed{{Title: "Summary", Description: "TL;DR"}}
			_, err := s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{
				Embeds: &embeds, AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
			})
			errs <- err
			// A second initial response is refused by Discord.
			errs <- s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		})
	})
	register(t, srv, sess)
	if _, err := srv.DispatchInteraction(SlashCommand("nope")); err == nil {
		t.Error("dispatch of an unregistered command succeeded")
	}
	d, err := srv.DispatchInteraction(SlashCommand("summarize", StringOption("url", "https://example.com/a"), BoolOption("private", false)))
	if err != nil {
		t.Fatal(err)
	}
	ic := recv(t, seen)
	data := ic.ApplicationCommandData()
	if ic.ID != d.ID || ic.Token != d.Token || data.Name != "summarize" || data.GetOption("url").StringValue() != "https://example.com/a" ||
		ic.Member == nil || ic.Member.User.ID != srv.DefaultUser().ID || ic.GuildID != srv.GuildID() || ic.ChannelID != srv.ChannelID() {
		t.Errorf("interaction = %+v data %+v", ic.Interaction, data)
	}
	if err := recv(t, errs); err != nil {
		t.Errorf("defer: %v", err)
	}
	if err := recv(t, errs); err != nil {
		t.Errorf("edit: %v", err)
	}
	if err := recv(t, errs); restCode(err) != CodeAlreadyAcknowledged {
		t.Errorf("second response: err = %v, want code 40060", err)
	}
	st, _ := srv.Interaction(d.ID)
	ack, ok := st.FirstAck()
	if !ok || ack.Type != 5 || ack.Latency <= 0 || ack.Latency > 3*time.Second || len(st.Callbacks) != 2 {
		t.Errorf("callbacks = %+v", st.Callbacks)
	}
	o := st.Original
	if o == nil || len(o.Embeds) != 1 || o.Embeds[0].Title != "Summary" || o.Flags&FlagLoading != 0 || o.Edits != 1 {
		t.Fatalf("original = %+v", o)
	}
	if msgs := srv.Messages(srv.ChannelID()); len(msgs) != 1 || msgs[0].ID != o.ID {
		t.Errorf("channel messages = %+v, want the original", msgs)
	}
	edit, err := srv.WaitFor(testCtx(t), func(r Request) bool { return r.Method == http.MethodPatch })
	if err != nil || edit.Message == nil || !edit.Message.NoPings() || edit.Path != "/webhooks/"+srv.AppID()+"/"+d.Token+"/messages/@original" {
		t.Errorf("edit request = %+v, %v", edit, err)
	}
}

func TestInteractionKinds(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	type result struct {
		ic  *discordgo.InteractionCreate
		err error
	}
	got := make(chan result, 1)
	respond := map[discordgo.InteractionType]*discordgo.InteractionResponse{
		discordgo.InteractionApplicationCommand: {Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
			CustomID: "paste", Title: "Paste text", Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.TextInput{CustomID: "text", Label: "Text", Style: discordgo.TextInputParagraph, MaxLength: 4000},
			}}},
		}},
		discordgo.InteractionModalSubmit: {Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{
			Content: "bad input", Flags: discordgo.MessageFlagsEphemeral,
		}},
		discordgo.InteractionApplicationCommandAutocomplete: {Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: &discordgo.InteractionResponseData{
			Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "Europe/Paris", Value: "Europe/Paris"}},
		}},
	}
	sess := open(t, srv, func(s *discordgo.Session) {
		s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
			got <- result{ic, s.InteractionRespond(ic.Interaction, respond[ic.Type])}
		})
	})
	register(t, srv, sess)
	cases := []struct {
		name  string
		spec  InteractionSpec
		check func(t *testing.T, ic *discordgo.InteractionCreate, st Interaction)
	}{
		{"message command opens a modal", MessageCommand("Summarize", MessageSpec{Content: "see https://example.com/x"}),
			func(t *testing.T, ic *discordgo.InteractionCreate, st Interaction) {
				data := ic.ApplicationCommandData()
				m := data.Resolved.Messages[data.TargetID]
				if m == nil || m.Content != "see https://example.com/x" || m.Author.ID != srv.DefaultUser().ID {
					t.Errorf("resolved target = %+v", m)
				}
				if ack, _ := st.FirstAck(); ack.Type != 9 {
					t.Errorf("ack = %+v", ack)
				}
			}},
		{"modal submit answered ephemerally", ModalSubmit("paste", TextInput{CustomID: "text", Value: "pasted"}),
			func(t *testing.T, ic *discordgo.InteractionCreate, st Interaction) {
				row := ic.ModalSubmitData().Components[0].(*discordgo.ActionsRow)
				if v := row.Components[0].(*discordgo.TextInput).Value; v != "pasted" {
					t.Errorf("modal value = %q", v)
				}
				if st.Original == nil || !st.Original.Ephemeral() || st.Original.Content != "bad input" {
					t.Errorf("original = %+v", st.Original)
				}
				for _, m := range srv.Messages(srv.ChannelID()) {
					if m.InteractionID == st.ID {
						t.Error("ephemeral answer stored as a public message")
					}
				}
			}},
		{"autocomplete", Autocomplete("summarize", FocusedOption("url", "https://")),
			func(t *testing.T, ic *discordgo.InteractionCreate, st Interaction) {
				if o := ic.ApplicationCommandData().Options[0]; !o.Focused {
					t.Errorf("option not focused: %+v", o)
				}
				if ack, _ := st.FirstAck(); ack.Type != 8 {
					t.Errorf("ack = %+v", ack)
				}
			}},
	}
	for _, tc := range cases {
		d, err := srv.DispatchInteraction(tc.spec)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		r := recv(t, got)
		if r.err != nil {
			t.Errorf("%s: respond: %v", tc.name, r.err)
		}
		st, _ := srv.Interaction(d.ID)
		t.Run(tc.name, func(t *testing.T) { tc.check(t, r.ic, st) })
	}
}

func TestInteractionDeadline(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{InteractionDeadline: time.Nanosecond})
	got := make(chan error, 1)
	sess := open(t, srv, func(s *discordgo.Session) {
		s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
			got <- s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		})
	})
	register(t, srv, sess)
	if _, err := srv.DispatchInteraction(SlashCommand("summarize")); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, got); restCode(err) != CodeUnknownInteraction {
		t.Errorf("late callback: err = %v, want code 10062", err)
	}
}

func TestWebhookTokenExpires(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := make(chan time.Time, 1)
	clock <- now
	srv := New(t, Options{Now: func() time.Time { v := <-clock; clock <- v; return v }})
	got := make(chan *discordgo.InteractionCreate, 1)
	sess := open(t, srv, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { got <- ic })
	})
	register(t, srv, sess)
	if _, err := srv.DispatchInteraction(SlashCommand("summarize")); err != nil {
		t.Fatal(err)
	}
	ic := recv(t, got)
	if err := sess.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{Content: "more", Flags: discordgo.MessageFlagsEphemeral}); err != nil {
		t.Fatalf("follow-up: %v", err)
	}
	<-clock
	clock <- now.Add(16 * time.Minute)
	content := "late"
	if _, err := sess.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content}); restCode(err) != CodeInvalidWebhookToken {
		t.Errorf("edit after 16 min: err = %v, want code 50027", err)
	}
	st, _ := srv.Interaction(ic.ID)
	if len(st.Followups) != 1 || !st.Followups[0].Ephemeral() {
		t.Errorf("followups = %+v", st.Followups)
	}
}

// BenchmarkInteractionRoundTrip measures dispatch → discordgo handler →
// deferred callback recorded, through the fake.
func BenchmarkInteractionRoundTrip(b *testing.B) {
	srv := New(b, Options{})
	sess := srv.NewSession(b)
	sess.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		_ = s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
	})
	if err := sess.Open(); err != nil {
		b.Fatal(err)
	}
	if _, err := sess.ApplicationCommandBulkOverwrite(srv.AppID(), srv.GuildID(), testCommands); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := srv.DispatchInteraction(SlashCommand("summarize"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := srv.WaitInteraction(ctx, d.ID, Interaction.Acked); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDispatchPrepared: prepared interactions arrive in order with the ids
// and tokens the fake returned, each is answerable, their dispatch time is
// not before they were prepared, and a Prepared is dispatched only once.
func TestDispatchPrepared(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	got := make(chan *discordgo.InteractionCreate, 3)
	sess := open(t, srv, func(s *discordgo.Session) {
		s.SyncEvents = true // handled in the order they arrive
		s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
			got <- ic
			_ = s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "ok"},
			})
		})
	})
	register(t, srv, sess)
	var ps []*Prepared
	for _, link := range []string{"https://a.example/1", "https://a.example/2", "https://a.example/3"} {
		p, err := srv.PrepareInteraction(SlashCommand("summarize", StringOption("url", link)))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	prepared := time.Now()
	ds, err := srv.DispatchPrepared(ps...)
	if err != nil {
		t.Fatal(err)
	}
	for k, d := range ds {
		ic := recv(t, got)
		if ic.ID != d.ID || ic.Token != d.Token {
			t.Fatalf("event %d is %s, want %s (in dispatch order)", k, ic.ID, d.ID)
		}
		if v := ic.ApplicationCommandData().Options[0].StringValue(); v != fmt.Sprintf("https://a.example/%d", k+1) {
			t.Errorf("event %d carries url %q", k, v)
		}
		st, err := srv.WaitInteraction(testCtx(t), d.ID, Interaction.Acked)
		if err != nil {
			t.Fatal(err)
		}
		if st.DispatchedAt.Before(prepared) {
			t.Errorf("interaction %s dispatched at %v, before its dispatch began at %v", d.ID, st.DispatchedAt, prepared)
		}
		if ack, _ := st.FirstAck(); ack.Latency <= 0 || ack.Latency > time.Since(prepared) {
			t.Errorf("interaction %s: latency %v out of range", d.ID, ack.Latency)
		}
	}
	if _, err := srv.DispatchPrepared(ps[0]); err == nil {
		t.Error("dispatching a Prepared twice: want an error")
	}
}

// TestDispatchFrame: the hand-built op 0 frame is the JSON Discord sends.
func TestDispatchFrame(t *testing.T) {
	var f struct {
		Op int             `json:"op"`
		S  int64           `json:"s"`
		T  string          `json:"t"`
		D  json.RawMessage `json:"d"`
	}
	frame := dispatchFrame("MESSAGE_CREATE", 42, []byte(`{"id":"1","content":"a \"b\""}`))
	if err := json.Unmarshal(frame, &f); err != nil {
		t.Fatalf("%s: %v", frame, err)
	}
	if f.Op != 0 || f.S != 42 || f.T != "MESSAGE_CREATE" || string(f.D) != `{"id":"1","content":"a \"b\""}` {
		t.Errorf("decoded %+v from %s", f, frame)
	}
}

// TestCallbackWithResponse: ?with_response=true answers an accepted
// callback 200 with the interaction callback response naming the message
// it created; the interaction counts as acknowledged.
func TestCallbackWithResponse(t *testing.T) {
	t.Parallel()
	srv := New(t, Options{})
	got := make(chan *discordgo.InteractionCreate, 1)
	sess := open(t, srv, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { got <- ic })
	})
	register(t, srv, sess)
	d, err := srv.DispatchInteraction(SlashCommand("summarize", StringOption("url", "https://a.example/1")))
	if err != nil {
		t.Fatal(err)
	}
	ic := recv(t, got)
	uri := discordgo.EndpointInteractionResponse(ic.ID, ic.Token)
	body := []byte(`{"type":4,"data":{"content":"hello","allowed_mentions":{"parse":[]}}}`)
	resp, err := sess.RequestRaw("POST", uri+"?with_response=true", "application/json", body, uri, 0)
	if err != nil {
		t.Fatal(err)
	}
	var cb struct {
		Interaction struct {
			ID                string `json:"id"`
			ResponseMessageID string `json:"response_message_id"`
			Loading           bool   `json:"response_message_loading"`
		} `json:"interaction"`
		Resource struct {
			Type    int `json:"type"`
			Message struct {
				ID      string `json:"id"`
				Content string `json:"content"`
			} `json:"message"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(resp, &cb); err != nil {
		t.Fatalf("%s: %v", resp, err)
	}
	st, ok := srv.Interaction(d.ID)
	if !ok || !st.Acked() || st.Original == nil {
		t.Fatalf("interaction not acknowledged: %+v", st)
	}
	if cb.Interaction.ID != d.ID || cb.Interaction.ResponseMessageID != st.Original.ID || cb.Interaction.Loading ||
		cb.Resource.Type != 4 || cb.Resource.Message.ID != st.Original.ID || cb.Resource.Message.Content != "hello" {
		t.Errorf("callback response %s, want interaction %s with message %s", resp, d.ID, st.Original.ID)
	}
}
