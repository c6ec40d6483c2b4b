package postgres

import (
	"fmt"
	"strings"

	"maillage/internal/maillage"
)

// visibleSQL is the SQL twin of Profile.CanSee, the one visibility rule:
// "field of the profile row p is visible to viewer". The person sees every
// field of their profile; anyone sees public fields; members (and
// administrators) see members-only fields; nobody else sees a private one.
// A field is never wider than the profile itself. Listings, counts and the
// PostgreSQL search all filter with it; TestVisibilitySQLAgreesWithViewFor
// checks it against CanSee for every field, visibility and viewer.
func visibleSQL(v maillage.Viewer, field string) string {
	cond := func(f string) string {
		expr := fmt.Sprintf("coalesce(p.visibility->>'%s', '%s')", f, maillage.DefaultVisibility[f])
		if v.Member() {
			return expr + " IN ('public', 'members')"
		}
		return expr + " = 'public'"
	}
	c := cond(maillage.FieldProfile)
	if field != maillage.FieldProfile {
		c = "(" + c + " AND " + cond(field) + ")"
	}
	if v.UserID > 0 {
		c = fmt.Sprintf("(%s OR p.user_id = %d)", c, v.UserID)
	}
	return c
}

// VisibilityCondition is visibleSQL for the test that proves it agrees with
// Profile.CanSee (TestVisibilitySQLAgreesWithViewFor): the condition reads
// the profile as the table alias p.
func VisibilityCondition(v maillage.Viewer, field string) string { return visibleSQL(v, field) }

// visibleWhere is the condition that the profile and every given field are
// visible to the viewer.
func visibleWhere(v maillage.Viewer, fields ...string) (string, []any) {
	conds := []string{visibleSQL(v, maillage.FieldProfile)}
	for _, f := range fields {
		conds = append(conds, visibleSQL(v, f))
	}
	return "(" + strings.Join(conds, " AND ") + ")", nil
}
