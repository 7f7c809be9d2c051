package render

import (
	"errors"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// TestCheckMentions: CheckRoleMentions takes what CheckAllowedMentions
// takes and role lists besides; neither lets parse, users or the replied
// user through.
func TestCheckMentions(t *testing.T) {
	tests := []struct {
		name               string
		am                 *discordgo.MessageAllowedMentions
		noMentions, roleOK bool
	}{
		{"nil", nil, false, false},
		{"nil parse", &discordgo.MessageAllowedMentions{}, false, false},
		{"nil parse with roles", &discordgo.MessageAllowedMentions{Roles: []string{"1"}}, false, false},
		{"no mentions", NoMentions(), true, true},
		{"roles", roleMentions([]string{"1", "2"}), false, true},
		{"parse roles", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeRoles}}, false, false},
		{"parse everyone", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeEveryone}}, false, false},
		{"users", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: []string{"1"}}, false, false},
		{"replied user", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, RepliedUser: true}, false, false},
		{"roles and replied user", &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Roles: []string{"1"}, RepliedUser: true}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				name  string
				check func(*discordgo.MessageAllowedMentions) error
				ok    bool
			}{
				{"CheckAllowedMentions", CheckAllowedMentions, tt.noMentions},
				{"CheckRoleMentions", CheckRoleMentions, tt.roleOK},
			} {
				err := c.check(tt.am)
				if (err == nil) != c.ok {
					t.Errorf("%s(%+v) = %v, want ok=%v", c.name, tt.am, err, c.ok)
				}
				if err != nil && !errors.Is(err, ErrUnsafe) {
					t.Errorf("%s(%+v) = %v, want it to wrap ErrUnsafe", c.name, tt.am, err)
				}
			}
		})
	}
}
