// Package recruiting holds the rules of recruiting: job offers published by
// employer structures, applications and contact requests with their state
// machines, who may act on them, and the fit between an offer and a person
// (blocs held, distance, availability) with its explanation.
//
// The package is pure: no database, no clock (now is a parameter), no
// sentence for people. An explanation is a list of catalogue keys with their
// arguments (internal/web/recruiting/messages.*.yaml), translated at render.
package recruiting

import (
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zoneinfo database

	"maillage/internal/maillage"
)

// SearchType is the type of job offers in the search registry, and the
// search_outbox entity their changes are recorded under.
const SearchType = "job"

// Offer states.
const (
	OfferDraft     = "brouillon"
	OfferPublished = "publiee"
	OfferFilled    = "pourvue"
	OfferClosed    = "fermee"
	OfferExpired   = "expiree"
)

// OfferMachine: an offer is written as a draft, published, then filled,
// closed by its employer, or expired at its closing date (background
// worker).
var OfferMachine = maillage.Machine{
	Name:   "job_offer",
	States: []string{OfferDraft, OfferPublished, OfferFilled, OfferClosed, OfferExpired},
	Next: map[string][]string{
		OfferDraft:     {OfferPublished},
		OfferPublished: {OfferFilled, OfferClosed, OfferExpired},
	},
}

// Application states.
const (
	ApplicationSent      = "envoyee"
	ApplicationSeen      = "vue"
	ApplicationInterview = "entretien"
	ApplicationHired     = "retenue"
	ApplicationRejected  = "non_retenue"
	ApplicationWithdrawn = "retiree"
)

// ApplicationMachine: an application is sent, seen by the employer (when
// they open it), invited to an interview, then retained or not; the
// candidate may withdraw it until a decision. An employer may decide
// without an interview.
var ApplicationMachine = maillage.Machine{
	Name:   "job_application",
	States: []string{ApplicationSent, ApplicationSeen, ApplicationInterview, ApplicationHired, ApplicationRejected, ApplicationWithdrawn},
	Next: map[string][]string{
		ApplicationSent:      {ApplicationSeen, ApplicationRejected, ApplicationWithdrawn},
		ApplicationSeen:      {ApplicationInterview, ApplicationHired, ApplicationRejected, ApplicationWithdrawn},
		ApplicationInterview: {ApplicationHired, ApplicationRejected, ApplicationWithdrawn},
	},
}

// Contact request states.
const (
	ContactSent     = "envoyee"
	ContactAccepted = "acceptee"
	ContactDeclined = "refusee"
)

// ContactMachine: an employer's request to talk with a candidate waits for
// the candidate's answer; only an accepted request reveals addresses.
var ContactMachine = maillage.Machine{
	Name:   "job_contact",
	States: []string{ContactSent, ContactAccepted, ContactDeclined},
	Next:   map[string][]string{ContactSent: {ContactAccepted, ContactDeclined}},
}

// Event is one recorded move of an offer, application or contact, with
// its time and actor (both sides of an application read its history).
type Event struct {
	From       string    `json:"from"`
	To         string    `json:"to"`
	At         time.Time `json:"at"`
	ActorID    *int64    `json:"-"`
	ActorName  string    `json:"actor"`
	Motivation string    `json:"motivation,omitempty"`
}
