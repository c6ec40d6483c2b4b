package maillage_test

import (
	"testing"
	"time"

	"maillage/internal/maillage"
)

// TestToday: the day is Paris's. Between midnight in Paris and midnight
// UTC the UTC day is still yesterday: a label granted at 00:30 in Paris
// starts that day and must be active at once (it was not, until 01:00 or
// 02:00, when the UTC day caught up).
func TestToday(t *testing.T) {
	for _, tt := range []struct {
		now  string
		want string
	}{
		{"2026-12-01T23:03:00Z", "2026-12-02"}, // 00:03 in Paris, winter
		{"2026-12-01T22:59:59Z", "2026-12-01"},
		{"2026-07-14T22:30:00Z", "2026-07-15"}, // 00:30 in Paris, summer
		{"2026-07-14T21:59:00Z", "2026-07-14"},
		{"2026-03-29T00:30:00Z", "2026-03-29"}, // the spring change
	} {
		now, _ := time.Parse(time.RFC3339, tt.now)
		got := maillage.Today(now)
		if got.Format(time.DateOnly) != tt.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("Today(%s) = %v, want %s at midnight UTC", tt.now, got, tt.want)
		}
	}
}
