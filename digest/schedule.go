package digest

import (
	"fmt"

	"github.com/robfig/cron/v3"

	"github.com/secbrief/secbrief/internal/schedule"
	"github.com/secbrief/secbrief/news"
)

// DailyAt is the schedule of /digest setup: every day at local time hhmm
// ("07:30") in tz, by the one schedule parser (internal/schedule), so a
// wall time that repeats when clocks go back runs once and one skipped
// when they go forward runs at the first valid minute after it.
func DailyAt(hhmm, tz string) (cron.Schedule, error) {
	return schedule.Daily(hhmm, tz)
}

// SetupSchedule is the target and schedule of a stored /digest setup.
func SetupSchedule(s news.DigestSchedule) (news.DigestTarget, cron.Schedule, error) {
	sched, err := DailyAt(s.Time, s.Timezone)
	if err != nil {
		return news.DigestTarget{}, nil, fmt.Errorf("digest schedule of channel %s: %w", s.ChannelID, err)
	}
	return news.DigestTarget{GuildID: s.GuildID, ChannelID: s.ChannelID}, sched, nil
}
