package mentoring

import (
	"slices"
	"time"

	"maillage/internal/maillage"
)

// Meeting formats.
const (
	FormatPresentiel = "presentiel"
	FormatVisio      = "visio"
	FormatTelephone  = "telephone"
)

// MeetingFormats lists the formats in display order (names:
// "mentoring.format.<format>").
var MeetingFormats = []string{FormatPresentiel, FormatVisio, FormatTelephone}

// Bounds of a meeting.
const (
	MaxMeetingMinutes = 600
	MaxMeetingNotes   = 4000
	MaxMeetingTopics  = 16
)

// Meeting is one meeting of a pairing, logged by either side. Its notes
// are seen by both sides and nobody else.
type Meeting struct {
	ID          int64        `json:"id"`
	PairingID   int64        `json:"pairing_id"`
	AuthorName  string       `json:"author"`
	AuthorID    int64        `json:"-"`
	Date        time.Time    `json:"date"`
	DurationMin int          `json:"duration_min"`
	Format      string       `json:"format"`
	Topics      []string     `json:"topics"`
	Notes       string       `json:"notes"`
	Validated   []Validation `json:"validated"`
	CreatedAt   time.Time    `json:"created_at"`
}

// Validation is a competency of the mentee that the mentor validated at
// a meeting: on the profile it becomes evidence "validée par un mentor".
type Validation struct {
	Code  string `json:"code"`
	Level int    `json:"level"`
}

// MeetingInput is what either side logs (the JSON body of POST
// /api/mentorat/binomes/{id}/rencontres; the form uses the same names:
// date, duration_min, format, topics, notes, and validate.<code>.level
// for each competency validated).
type MeetingInput struct {
	Date        time.Time    `json:"date"`
	DurationMin int          `json:"duration_min"`
	Format      string       `json:"format"`
	Topics      []string     `json:"topics"`
	Notes       string       `json:"notes"`
	Validations []Validation `json:"validate"`
}

// MeetingRules is what a meeting is checked against.
type MeetingRules struct {
	// Now is the clock; a meeting cannot be later than today (Paris).
	Now time.Time
	// Started is the day the pairing started: a meeting is not earlier.
	Started time.Time
	// Competences are the codes of the referential.
	Competences map[string]bool
	// Mentor: the author is the mentor (only a mentor validates).
	Mentor bool
}

// Validate is the one rule for a meeting: a day not in the future nor
// before the pairing, a positive duration of at most ten hours, a known
// format, topics and validations from the referential (validations by the
// mentor only, each competency once, levels 1–8), notes of at most 4,000
// characters.
func (in *MeetingInput) Validate(r MeetingRules) maillage.Problems {
	var ps maillage.Problems
	in.Notes = trimMessage(in.Notes)
	day := time.Date(in.Date.Year(), in.Date.Month(), in.Date.Day(), 0, 0, 0, 0, time.UTC)
	in.Date = day
	switch {
	case in.Date.IsZero() || in.Date.Year() < 2000:
		ps.Add("date", "mentoring.meeting.date.required")
	case day.After(maillage.Today(r.Now)):
		ps.Add("date", "mentoring.meeting.date.future")
	case !r.Started.IsZero() && day.Before(maillage.Today(r.Started)):
		ps.Add("date", "mentoring.meeting.date.before_start")
	}
	if in.DurationMin <= 0 || in.DurationMin > MaxMeetingMinutes {
		ps.Add("duration_min", "mentoring.meeting.duration.range", "Max", MaxMeetingMinutes)
	}
	if !slices.Contains(MeetingFormats, in.Format) {
		ps.Add("format", maillage.KeyNotInList)
	}
	topics := make([]string, 0, len(in.Topics))
	for _, t := range in.Topics {
		switch {
		case !r.Competences[t]:
			ps.Add("topics", "mentoring.meeting.topic.unknown")
		case !slices.Contains(topics, t):
			topics = append(topics, t)
		}
	}
	in.Topics = topics
	if len(topics) > MaxMeetingTopics {
		ps.Add("topics", maillage.KeyTooMany, "Max", MaxMeetingTopics)
	}
	maillage.CheckText(&ps, "notes", in.Notes, MaxMeetingNotes, true)
	if len(in.Validations) > 0 && !r.Mentor {
		ps.Add("validate", "mentoring.meeting.validate.mentor_only")
	}
	seen := map[string]bool{}
	for _, v := range in.Validations {
		f := "validate." + v.Code
		switch {
		case !r.Competences[v.Code]:
			ps.Add(f, "mentoring.meeting.topic.unknown")
		case seen[v.Code]:
			ps.Add(f, "mentoring.meeting.validate.twice")
		case v.Level < maillage.MinLevel || v.Level > maillage.MaxLevel:
			ps.Add(f+".level", "mentoring.meeting.validate.level")
		}
		seen[v.Code] = true
	}
	return ps
}
