package bot

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// TestEncodingsDirect: the encoded first responses of an answer answer at
// once (type 4) with its embed, never ping, only the private one is
// ephemeral, and an embed is encoded once per privacy while it is kept.
func TestEncodingsDirect(t *testing.T) {
	enc := newEncodings(2)
	embed := &discordgo.MessageEmbed{Title: "Acme Gateway flaw @everyone"}
	for _, private := range []bool{false, true, false} {
		body, err := enc.direct("", []*discordgo.MessageEmbed{embed}, private)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Type int `json:"type"`
			Data struct {
				Embeds          []json.RawMessage `json:"embeds"`
				Flags           int               `json:"flags"`
				AllowedMentions *struct {
					Parse []string `json:"parse"`
				} `json:"allowed_mentions"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("private=%v: %v in %s", private, err, body)
		}
		if got.Type != 4 || len(got.Data.Embeds) != 1 {
			t.Errorf("private=%v: type %d with %d embeds, want type 4 with the embed", private, got.Type, len(got.Data.Embeds))
		}
		if am := got.Data.AllowedMentions; am == nil || am.Parse == nil || len(am.Parse) != 0 {
			t.Errorf("private=%v: allowed_mentions %s, want parse []", private, body)
		}
		if ephemeral := got.Data.Flags&int(discordgo.MessageFlagsEphemeral) != 0; ephemeral != private {
			t.Errorf("private=%v: ephemeral flag %v", private, ephemeral)
		}
	}
	again, _ := enc.direct("", []*discordgo.MessageEmbed{embed}, false)
	kept, _ := enc.direct("", []*discordgo.MessageEmbed{embed}, false)
	if &again[0] != &kept[0] {
		t.Error("a kept embed is encoded again")
	}
}

// TestEncodingsBounded: the cache keeps two generations of max embeds; an
// older embed is still found in the older generation and moves up.
func TestEncodingsBounded(t *testing.T) {
	enc := newEncodings(2)
	var embeds []*discordgo.MessageEmbed
	for range 5 {
		e := &discordgo.MessageEmbed{Title: "story"}
		embeds = append(embeds, e)
		if _, err := enc.direct("", []*discordgo.MessageEmbed{e}, false); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(enc.cur) + len(enc.old); n > 4 {
		t.Errorf("%d embeds kept, want at most 4", n)
	}
	if _, ok := enc.old[embeds[3]]; !ok {
		t.Fatal("the fourth embed is not in the older generation")
	}
	if _, err := enc.direct("", embeds[3:4], false); err != nil {
		t.Fatal(err)
	}
	if _, ok := enc.cur[embeds[3]]; !ok {
		t.Error("an embed found in the older generation is not kept in the newer")
	}
	withText, _ := enc.direct("see below", embeds[:1], false)
	if !bytes.Contains(withText, []byte("see below")) {
		t.Errorf("an answer with content: %s", withText)
	}
}

// TestMessageParts: content that fits is one message as is; longer
// content is split; an empty answer still says something.
func TestMessageParts(t *testing.T) {
	if got := messageParts(" as is ", false); len(got) != 1 || got[0] != " as is " {
		t.Errorf("short content: %q", got)
	}
	if got := messageParts("", false); len(got) != 1 || got[0] != "(nothing)" {
		t.Errorf("empty content: %q", got)
	}
	if got := messageParts("", true); len(got) != 1 || got[0] != "" {
		t.Errorf("empty content with embeds: %q", got)
	}
	long := string(bytes.Repeat([]byte("word "), 900))
	if got := messageParts(long, false); len(got) != 3 {
		t.Errorf("%d parts of 4500 characters, want 3", len(got))
	}
}

// TestNewRequest: an interaction is decoded into a Request: options (of
// the subcommand), the focused option, who, where, the target message.
func TestNewRequest(t *testing.T) {
	target := &discordgo.Message{ID: "m-1", Content: "see https://example.com"}
	i := &discordgo.Interaction{ID: "1", Type: discordgo.InteractionApplicationCommandAutocomplete, GuildID: "g", ChannelID: "c", Locale: discordgo.German,
		Member: &discordgo.Member{User: &discordgo.User{ID: "u"}, Permissions: 32},
		Data: discordgo.ApplicationCommandInteractionData{Name: "digest", TargetID: "m-1",
			Resolved: &discordgo.ApplicationCommandInteractionDataResolved{Messages: map[string]*discordgo.Message{"m-1": target}},
			Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: "setup", Type: discordgo.ApplicationCommandOptionSubCommand,
				Options: []*discordgo.ApplicationCommandInteractionDataOption{
					{Name: "timezone", Type: discordgo.ApplicationCommandOptionString, Value: " Europe/Ber ", Focused: true},
					{Name: "private", Type: discordgo.ApplicationCommandOptionBoolean, Value: true},
				}}}}}
	req := newRequest(i)
	if req.Name != "digest" || req.Subcommand != "setup" || req.Focused != "timezone" || req.String("timezone") != "Europe/Ber" || !req.Bool("private") {
		t.Errorf("options: %+v", req)
	}
	if req.UserID != "u" || req.Permissions != 32 || req.GuildID != "g" || req.ChannelID != "c" || req.Locale != "de" || req.Message != target {
		t.Errorf("context: %+v", req)
	}
	role := &discordgo.Role{ID: "r-1", Name: "oncall", Mentionable: true}
	withRole := newRequest(&discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, GuildID: "g", AppPermissions: discordgo.PermissionMentionEveryone,
		Member: &discordgo.Member{User: &discordgo.User{ID: "u"}},
		Data: discordgo.ApplicationCommandInteractionData{Name: "watch",
			Resolved: &discordgo.ApplicationCommandInteractionDataResolved{Roles: map[string]*discordgo.Role{"r-1": role}},
			Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: "add", Type: discordgo.ApplicationCommandOptionSubCommand,
				Options: []*discordgo.ApplicationCommandInteractionDataOption{{Name: "role", Type: discordgo.ApplicationCommandOptionRole, Value: "r-1"}}}}}})
	if withRole.String("role") != "r-1" || withRole.Roles["r-1"] != role || withRole.AppPermissions != discordgo.PermissionMentionEveryone {
		t.Errorf("resolved role and the bot's permissions: %+v", withRole)
	}
	dm := newRequest(&discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, User: &discordgo.User{ID: "u"},
		Data: discordgo.ApplicationCommandInteractionData{Name: "summarize"}})
	if dm.UserID != "u" || dm.GuildID != "" || dm.String("url") != "" || dm.Bool("private") {
		t.Errorf("direct message: %+v", dm)
	}
}
