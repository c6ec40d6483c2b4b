package maillage

import (
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zoneinfo database
)

// Paris is the time zone of every day people type and read: a publication
// day, a deadline, the validity of a label, the start of a session.
var Paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err) // time/tzdata is imported: cannot happen
	}
	return l
}()

// Today is the day of now in Paris, as midnight UTC (the way days are
// stored and compared). Between midnight in Paris and midnight UTC, now's
// UTC day is still yesterday.
func Today(now time.Time) time.Time {
	y, m, d := now.In(Paris).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// TodaySQL is the same day in PostgreSQL, whatever the session's time zone
// (current_date is the session's day, UTC on most servers).
const TodaySQL = "(now() AT TIME ZONE 'Europe/Paris')::date"
