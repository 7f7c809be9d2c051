package commands

import (
	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
)

// Commands returns the /digest and /feeds entries: private answers, after
// a deferral; visible by default only to members with Manage Server, in
// servers only.
func (a *Admin) Commands() []bot.Command {
	var out []bot.Command
	for _, def := range adminDefinitions() {
		out = append(out, bot.Command{Definition: def, MayDefer: true, Private: always, Handle: a.handle, Autocomplete: a.autocomplete})
	}
	return out
}

// adminDefinitions are /digest and /feeds.
func adminDefinitions() []*discordgo.ApplicationCommand {
	perm := manageGuild
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	sub := func(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
	}
	return []*discordgo.ApplicationCommand{
		{
			Name:                     cmdDigest,
			Description:              "The daily digest of security news",
			DefaultMemberPermissions: &perm,
			Contexts:                 &guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				sub("setup", "Post a digest in a channel every day at a time",
					&discordgo.ApplicationCommandOption{
						Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Description: "Where to post the digest", Required: true,
						ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews},
					},
					&discordgo.ApplicationCommandOption{
						Type: discordgo.ApplicationCommandOptionString, Name: "time", Description: "Local time, HH:MM (24-hour), e.g. 08:30", Required: true, MaxLength: 5,
					},
					&discordgo.ApplicationCommandOption{
						Type: discordgo.ApplicationCommandOptionString, Name: "timezone", Description: "IANA time zone, e.g. Europe/Berlin (default UTC)", Autocomplete: true, MaxLength: 64,
					},
				),
				sub("status", "Next digest, feeds and the last digest"),
				sub("off", "Stop this server's scheduled digests"),
				sub("now", "Post a digest of what is new into this channel now"),
				sub("alerts", "Alerts in a channel when CISA adds a CVE to its Known Exploited Vulnerabilities catalog",
					&discordgo.ApplicationCommandOption{
						Type: discordgo.ApplicationCommandOptionChannel, Name: "channel", Description: "Where to post the alerts", Required: true,
						ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews},
					},
					&discordgo.ApplicationCommandOption{
						Type: discordgo.ApplicationCommandOptionBoolean, Name: "enabled", Description: "On (True) or off (False)", Required: true,
					},
				),
			},
		},
		{
			Name:                     cmdFeeds,
			Description:              "The feeds this server's digests are made from",
			DefaultMemberPermissions: &perm,
			Contexts:                 &guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				sub("list", "List this server's feeds and their state"),
				sub("add", "Add an RSS, Atom or JSON feed (or a page that links one)",
					&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "url", Description: "Feed or site URL", Required: true, MaxLength: 2000},
				),
				sub("remove", "Remove a feed",
					&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "url", Description: "The feed to remove", Required: true, Autocomplete: true, MaxLength: 2000},
				),
			},
		},
	}
}
