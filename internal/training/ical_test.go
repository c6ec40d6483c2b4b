package training_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/training"
)

// icalProp is one content line as the test's reader parses it.
type icalProp struct {
	Name   string
	Params map[string]string
	Value  string
}

// readICal is a small reader of what WriteSessionICS writes: it checks
// the physical lines (CRLF, 75 octets, whole characters), unfolds them and
// splits name, parameters and value. TEXT values are unescaped.
func readICal(t *testing.T, data []byte) []icalProp {
	t.Helper()
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatal("the file does not end with CRLF")
	}
	physical := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	var logical []string
	for i, l := range physical {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Fatalf("line %d is %d octets long: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line %d splits a character: %q", i+1, l)
		}
		if strings.HasPrefix(l, " ") {
			if len(logical) == 0 {
				t.Fatal("continuation without a line")
			}
			logical[len(logical)-1] += l[1:]
			continue
		}
		logical = append(logical, l)
	}
	var props []icalProp
	for _, l := range logical {
		head, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("no colon in %q", l)
		}
		parts := strings.Split(head, ";")
		p := icalProp{Name: parts[0], Params: map[string]string{}, Value: value}
		for _, kv := range parts[1:] {
			k, v, _ := strings.Cut(kv, "=")
			p.Params[k] = v
		}
		switch p.Name {
		case "SUMMARY", "DESCRIPTION", "LOCATION", "X-WR-CALNAME":
			p.Value = unescape(t, value)
		}
		props = append(props, p)
	}
	return props
}

func unescape(t *testing.T, v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ';' || c == ',' {
			t.Fatalf("unescaped %q in %q", c, v)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(v) {
			t.Fatalf("dangling backslash in %q", v)
		}
		switch v[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		case '\\', ';', ',':
			b.WriteByte(v[i])
		default:
			t.Fatalf("bad escape \\%c in %q", v[i], v)
		}
	}
	return b.String()
}

func values(props []icalProp, name string) []icalProp {
	var out []icalProp
	for _, p := range props {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

func TestFold(t *testing.T) {
	for _, s := range []string{
		"",
		"SUMMARY:court",
		"SUMMARY:" + strings.Repeat("a", 67),  // exactly 75
		"SUMMARY:" + strings.Repeat("a", 68),  // 76
		"SUMMARY:" + strings.Repeat("é", 100), // two-octet characters across every boundary
		"SUMMARY:" + strings.Repeat("a", 66) + "😀😀😀" + strings.Repeat("€", 40),
	} {
		folded := training.Fold(s)
		var back strings.Builder
		for i, l := range strings.Split(strings.TrimSuffix(folded, "\r\n"), "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) {
				t.Errorf("Fold(%q): bad physical line %q", s, l)
			}
			if i > 0 {
				if !strings.HasPrefix(l, " ") {
					t.Errorf("continuation %q does not start with a space", l)
				}
				l = l[1:]
			}
			back.WriteString(l)
		}
		if back.String() != s {
			t.Errorf("unfold(Fold(%q)) = %q", s, back.String())
		}
	}
}

func TestSessionICS(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	tricky := "Médiation; numérique, « pour tous » \\ backslash\r\nligne 2\nligne 3\rligne 4 😀 " + strings.Repeat("é€😀,;", 30)
	o := &training.Offer{ID: 3, Title: "Titre, avec; tout \\ ce qui s'échappe", Description: tricky, UpdatedAt: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	s := &training.Session{ID: 99, Start: time.Date(2027, 3, 28, 9, 30, 0, 0, paris), End: time.Date(2027, 3, 28, 17, 0, 0, 0, paris),
		Place:           training.Place{CodeInsee: "69123", Postcode: "69001", City: "Lyon", Address: "Salle 1\n2 place, de la Mairie"},
		RegistrationURL: "https://exemple.fr/inscription?a=1&b=2"}
	opts := training.ICalOptions{Domain: "maillage.example", Now: now}
	var buf bytes.Buffer
	if err := training.WriteSessionICS(&buf, o, s, opts); err != nil {
		t.Fatal(err)
	}
	props := readICal(t, buf.Bytes())

	get := func(name string) icalProp {
		t.Helper()
		vs := values(props, name)
		if len(vs) == 0 {
			t.Fatalf("no %s", name)
		}
		return vs[len(vs)-1]
	}
	checks := []struct {
		name, want string
	}{
		{"UID", "session-99@maillage.example"},
		{"DTSTAMP", "20261122T100000Z"},
		{"DTSTART", "20270328T093000"},
		{"DTEND", "20270328T170000"},
		{"SUMMARY", o.Title},
		{"DESCRIPTION", strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(tricky)},
		{"LOCATION", "Salle 1, 2 place, de la Mairie, 69001 Lyon"},
		{"URL", s.RegistrationURL},
		{"LAST-MODIFIED", "20261101T080000Z"},
	}
	for _, c := range checks {
		if got := get(c.name).Value; got != c.want {
			t.Errorf("%s = %q, want %q", c.name, got, c.want)
		}
	}
	if tz := get("DTSTART").Params["TZID"]; tz != "Europe/Paris" {
		t.Errorf("DTSTART TZID = %q", tz)
	}
	if got := values(props, "TZID"); len(got) != 1 || got[0].Value != "Europe/Paris" {
		t.Errorf("VTIMEZONE TZID = %v", got)
	}
	var begins []string
	for _, p := range values(props, "BEGIN") {
		begins = append(begins, p.Value)
	}
	if diff := cmp.Diff([]string{"VCALENDAR", "VTIMEZONE", "DAYLIGHT", "STANDARD", "VEVENT"}, begins); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}

	// The UID is stable: the same session written again has the same one.
	var again bytes.Buffer
	s.Seats = 4
	training.WriteSessionICS(&again, o, s, training.ICalOptions{Domain: "maillage.example", Now: now.Add(time.Hour)})
	if got := values(readICal(t, again.Bytes()), "UID")[0].Value; got != "session-99@maillage.example" {
		t.Errorf("UID changed: %s", got)
	}
}

func TestFeedICS(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	b := &training.Body{Name: "Organisme, « L'Atelier »"}
	offers := []*training.Offer{
		{ID: 1, Title: "A", Sessions: []*training.Session{
			{ID: 10, Start: time.Date(2027, 1, 4, 0, 0, 0, 0, paris), End: time.Date(2027, 1, 8, 0, 0, 0, 0, paris), Place: training.Place{Remote: true}},
			{ID: 11, Start: time.Date(2027, 2, 1, 9, 0, 0, 0, paris), End: time.Date(2027, 2, 1, 12, 0, 0, 0, paris), Place: training.Place{Remote: true}},
		}},
		{ID: 2, Title: "B", Sessions: []*training.Session{{ID: 20, Start: time.Date(2027, 7, 1, 9, 0, 0, 0, paris), End: time.Date(2027, 7, 2, 17, 0, 0, 0, paris), Place: training.Place{Remote: true}}}},
	}
	var buf bytes.Buffer
	err := training.WriteFeedICS(&buf, b, offers, training.ICalOptions{Now: now, Text: func(key string, _ ...any) string { return "À distance" }})
	if err != nil {
		t.Fatal(err)
	}
	props := readICal(t, buf.Bytes())
	var uids []string
	for _, p := range values(props, "UID") {
		uids = append(uids, p.Value)
	}
	if diff := cmp.Diff([]string{"session-10@maillage", "session-11@maillage", "session-20@maillage"}, uids); diff != "" {
		t.Errorf("UIDs (-want +got):\n%s", diff)
	}
	if got := values(props, "X-WR-CALNAME")[0].Value; got != b.Name {
		t.Errorf("calendar name = %q", got)
	}
	// A session given by dates only is an all-day event ending the day
	// after its last day.
	start, end := values(props, "DTSTART")[2], values(props, "DTEND")[0] // DTSTART: after the two of the VTIMEZONE
	if start.Params["VALUE"] != "DATE" || start.Value != "20270104" || end.Value != "20270109" {
		t.Errorf("all-day event: DTSTART %+v DTEND %+v", start, end)
	}
	if got := values(props, "LOCATION")[0].Value; got != "À distance" {
		t.Errorf("LOCATION = %q", got)
	}
	if got := values(props, "DTSTART")[4]; got.Params["TZID"] != "Europe/Paris" || got.Value != "20270701T090000" {
		t.Errorf("summer session DTSTART = %+v", got)
	}
}
