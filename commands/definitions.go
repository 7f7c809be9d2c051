package commands

import (
	"github.com/bwmarrin/discordgo"

	"github.com/secbrief/secbrief/bot"
)

// Command and component names; they are the public interface users and
// server admins see, so they never change.
const (
	cmdSummarize        = "summarize"
	cmdSummarizeMessage = "Summarize"
	cmdAsk              = "ask"
	modalSummarizeText  = "summarize_text"
	fieldArticleText    = "article_text"
	// privateSuffix ends the custom id of a modal whose summary is private.
	privateSuffix = ":private"
)

// maxQuestionRunes bounds /ask's question option.
const maxQuestionRunes = 1000

// summarizeDefinition is /summarize [url] [private].
func summarizeDefinition() *discordgo.ApplicationCommand {
	return &discordgo.ApplicationCommand{
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
	}
}

// summarizeMessageDefinition is the Summarize message context-menu command.
func summarizeMessageDefinition() *discordgo.ApplicationCommand {
	return &discordgo.ApplicationCommand{Name: cmdSummarizeMessage, Type: discordgo.MessageApplicationCommand}
}

// askDefinition is /ask question:, in servers only.
func askDefinition() *discordgo.ApplicationCommand {
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	minQuestion := 1
	return &discordgo.ApplicationCommand{
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
	}
}

// textModal is the modal /summarize without a URL opens to paste text.
func textModal(private bool) *bot.Modal {
	id := modalSummarizeText
	if private {
		id += privateSuffix
	}
	return &bot.Modal{
		CustomID: id,
		Title:    "Summarize pasted text",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.TextInput{
				CustomID:    fieldArticleText,
				Label:       "Article text",
				Style:       discordgo.TextInputParagraph,
				Placeholder: "Paste the article (title on the first line)",
				Required:    true,
				MinLength:   200,
				MaxLength:   4000,
			},
		}}},
	}
}
