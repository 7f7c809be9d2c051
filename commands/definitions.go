package commands

import "github.com/bwmarrin/discordgo"

// Command and component names; they are the public interface users and
// server admins see, so they never change.
const (
	cmdSummarize        = "summarize"
	cmdSummarizeMessage = "Summarize"
	cmdAsk              = "ask"
	modalSummarizeText  = "summarize_text"
	fieldArticleText    = "article_text"
)

// maxQuestionRunes bounds /ask's question option.
const maxQuestionRunes = 1000

// definitions are the slash and context-menu commands, bulk-overwritten on
// READY. Commands added by other features (digest, feeds) are appended by
// the Router's options.
func definitions() []*discordgo.ApplicationCommand {
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	minQuestion := 1
	return []*discordgo.ApplicationCommand{
		{
			Name:        cmdSummarize,
			Description: "Summarize a security article: TL;DR, severity, CVEs, what to do",
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type:        discordgo.ApplicationCommandOptionString,
					Name:        "url",
					Description: "Link to the article (leave empty to paste text instead)",
					MaxLength:   2000,
				},
				{
					Type:        discordgo.ApplicationCommandOptionBoolean,
					Name:        "private",
					Description: "Only you see the summary",
				},
			},
		},
		{
			Name: cmdSummarizeMessage,
			Type: discordgo.MessageApplicationCommand,
		},
		{
			Name:        cmdAsk,
			Description: "Ask a follow-up question about the article of this thread",
			Contexts:    &guildOnly,
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type:        discordgo.ApplicationCommandOptionString,
					Name:        "question",
					Description: "Your question, e.g. which versions are affected?",
					Required:    true,
					MinLength:   &minQuestion,
					MaxLength:   maxQuestionRunes,
				},
			},
		},
		usageDefinition(),
	}
}
