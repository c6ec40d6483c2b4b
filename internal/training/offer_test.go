package training_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"maillage/internal/maillage"
	"maillage/internal/training"
)

func TestOfferValidate(t *testing.T) {
	ix := training.NewCertIndex(referential())
	tests := []struct {
		name string
		edit func(*training.Offer)
		want map[string]string // field → key
	}{
		{"valid", func(*training.Offer) {}, nil},
		{"title missing, too long description", func(o *training.Offer) {
			o.Title = "  "
			o.Description = strings.Repeat("é", training.MaxDescription+1)
		}, map[string]string{"title": training.KeyRequired, "description": training.KeyTooLong}},
		{"title too long, control character in objectives", func(o *training.Offer) {
			o.Title = strings.Repeat("a", training.MaxTitle+1)
			o.Objectives = "bip\x07"
		}, map[string]string{"title": training.KeyTooLong, "objectives": training.KeyControl}},
		{"newline in title", func(o *training.Offer) { o.Title = "deux\nlignes" }, map[string]string{"title": training.KeyControl}},
		{"blocs: another certification, unknown, duplicate", func(o *training.Offer) {
			o.Blocs = []string{"REMN-B1", "CMN-B1", "NOPE", "REMN-B1"}
		}, map[string]string{"blocs.1": training.KeyBlocOtherCertification, "blocs.2": training.KeyUnknownBloc, "blocs.3": training.KeyDuplicate}},
		{"unknown certification", func(o *training.Offer) { o.Certifications = append(o.Certifications, "XYZ") }, map[string]string{"certifications.1": training.KeyUnknownCertification}},
		{"price, hours, modality, funding", func(o *training.Offer) {
			o.PriceCents, o.Hours, o.Modality = -1, -3, "sur la lune"
			o.Funding = []training.Funding{training.FundingCPF, "mecene", training.FundingCPF}
		}, map[string]string{"price_cents": training.KeyNegative, "hours": training.KeyNegative, "modality": training.KeyChoice, "funding.1": training.KeyChoice, "funding.2": training.KeyDuplicate}},
		{"contact", func(o *training.Offer) {
			o.Contact = training.Contact{Name: strings.Repeat("n", 51), Email: "pas une adresse", Phone: "appelez-moi"}
		}, map[string]string{"contact.name": training.KeyTooLong, "contact.email": training.KeyEmail, "contact.phone": training.KeyPhone}},
		{"sessions", func(o *training.Offer) {
			s := o.Sessions[0]
			s.End = s.Start.Add(-time.Minute)
			s.Seats, s.SeatsLeft = -1, 0
			s.RegistrationURL = "javascript:alert(1)"
			o.Sessions[1].Seats, o.Sessions[1].SeatsLeft = 5, 6
			o.Sessions[1].Place = training.Place{CodeInsee: "6912", Postcode: "690", City: "Lyon", Address: strings.Repeat("x", 51)}
			o.Sessions[1].Registration = ""
		}, map[string]string{
			"sessions.0.end": training.KeyEndBeforeStart, "sessions.0.seats": training.KeyNegative, "sessions.0.registration_url": training.KeyURL,
			"sessions.1.seats_left": training.KeySeatsLeftOverSeats, "sessions.1.place.code_insee": training.KeyInsee,
			"sessions.1.place.postcode": training.KeyPostcode, "sessions.1.place.address": training.KeyAddressLines, "sessions.1.registration": training.KeyChoice,
		}},
		{"in-person session without a place", func(o *training.Offer) { o.Sessions[1].Place = training.Place{} },
			map[string]string{"sessions.1.place.code_insee": training.KeyRequired, "sessions.1.place.postcode": training.KeyRequired, "sessions.1.place.city": training.KeyRequired}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tricky()
			tt.edit(f.Offer)
			got := map[string]string{}
			for _, p := range f.Offer.Validate(ix) {
				got[p.Field] = p.Key
			}
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
	// Without a referential, codes are not checked.
	f := tricky()
	f.Offer.Blocs = append(f.Offer.Blocs, "CMN-B1")
	if ps := f.Offer.Validate(nil); len(ps) != 0 {
		t.Errorf("Validate(nil) = %v", ps)
	}
	if err := f.Offer.Validate(ix).Err(); maillage.ErrorCode(err) != maillage.EINVALID {
		t.Errorf("Err() = %v", err)
	}
}

func TestBodyValidate(t *testing.T) {
	b := tricky().Body
	if ps := b.Validate(); len(ps) != 0 {
		t.Fatalf("valid body: %v", ps)
	}
	b.SIRET, b.ActivityNumber, b.Name = "73282932000075", "1175", ""
	b.Address.CodeInsee = ""
	got := b.Validate().Fields()
	if diff := cmp.Diff([]string{"activity_number", "name", "siret"}, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}
