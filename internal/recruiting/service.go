package recruiting

import (
	"context"
	"io"
	"time"

	"maillage/internal/maillage"
)

// Service is recruiting as the pages and the API use it (internal/postgres
// implements it). Every method that acts takes the signed-in user and
// applies the rules of this package (Employs, Offer.CanEdit, CanMove, the
// machines) inside its transaction; a reader who may not see a thing gets
// ENOTFOUND, so its existence is not revealed.
type Service interface {
	// EmployerStructures lists the structures u acts as employer for.
	EmployerStructures(ctx context.Context, u *maillage.User) ([]*maillage.Structure, error)
	// FindOffer returns an offer: a draft only to its employers. Manage
	// is set when u is one of them.
	FindOffer(ctx context.Context, u *maillage.User, id int64) (*Offer, error)
	FindOffers(ctx context.Context, f OfferFilter) ([]*Offer, int, error)
	CreateOffer(ctx context.Context, u *maillage.User, in OfferInput) (*Offer, error)
	UpdateOffer(ctx context.Context, u *maillage.User, id int64, in OfferInput) (*Offer, error)
	// MoveOffer publishes, fills or closes an offer.
	MoveOffer(ctx context.Context, u *maillage.User, id int64, to string) (*Offer, error)
	// ExpireOffers moves the published offers past their closing day to
	// expiree (the background worker) and returns how many.
	ExpireOffers(ctx context.Context, now time.Time) (int, error)

	// Availability is the day a person said they are available from.
	Availability(ctx context.Context, userID int64) (*time.Time, error)
	SetAvailability(ctx context.Context, userID int64, from *time.Time) error
	// FindCandidates searches the people open to opportunities, as u may
	// see them, with the total.
	FindCandidates(ctx context.Context, u *maillage.User, f CandidateFilter) ([]Seeker, int, error)
	// FindCandidate is one person open to opportunities as u may see them
	// (an employer), with their availability when visible.
	FindCandidate(ctx context.Context, u *maillage.User, profileID int64) (*maillage.Profile, *time.Time, error)
	// RankCandidates ranks the people open to opportunities for an offer of
	// u's (within radiusKm of its commune unless the job is remote).
	RankCandidates(ctx context.Context, u *maillage.User, offerID int64, radiusKm, limit int) ([]RankedSeeker, error)
	// MatchingOffers ranks the open offers for u (« offres qui vous
	// correspondent »): within radiusKm of their commune, or remote.
	MatchingOffers(ctx context.Context, u *maillage.User, radiusKm, limit int) ([]RankedOffer, error)
	// Blocs are the referential's titles and their blocs.
	Blocs(ctx context.Context) (Blocs, error)

	// Apply sends an application (with an optional CV) to an open offer;
	// applying twice is refused next to the message.
	Apply(ctx context.Context, u *maillage.User, offerID int64, in ApplicationInput, cv *CVFile) (*Application, error)
	// FindApplication returns an application with its history to its
	// candidate and the offer's employers; an employer opening a sent
	// application marks it seen.
	FindApplication(ctx context.Context, u *maillage.User, id int64) (*Application, error)
	FindApplications(ctx context.Context, u *maillage.User, f ApplicationFilter) ([]*Application, error)
	MoveApplication(ctx context.Context, u *maillage.User, id int64, to, motivation string) (*Application, error)
	// OpenCV opens the CV of an application for its candidate and the
	// offer's employers.
	OpenCV(ctx context.Context, u *maillage.User, applicationID int64) (io.ReadCloser, *CV, error)

	// Contact sends a contact request from an employer to a person open
	// to opportunities; no address is revealed until they accept.
	Contact(ctx context.Context, u *maillage.User, in ContactInput) (*Contact, error)
	FindContacts(ctx context.Context, u *maillage.User, f ContactFilter) ([]*Contact, error)
	AnswerContact(ctx context.Context, u *maillage.User, id int64, accept bool, message string) (*Contact, error)
}

// ApplicationFilter selects applications: those of an offer (for its
// employers), or u's own.
type ApplicationFilter struct {
	OfferID int64
	Mine    bool
}

// ContactFilter selects contact requests: those u received (as a
// candidate), or those sent for the structures u employs for.
type ContactFilter struct {
	Received bool
	Sent     bool
}
