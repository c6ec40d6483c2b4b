package recruiting

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"maillage/internal/maillage"
	"maillage/internal/recruiting"
)

// The open-data export of the offers that take applications, as JSON-LD
// with schema.org JobPosting fields (https://schema.org/JobPosting), the
// vocabulary job boards and search engines read. Only what the offer page
// shows publicly: nothing about candidates.

type jobPosting struct {
	Type               string          `json:"@type"`
	ID                 string          `json:"@id"`
	Identifier         propertyValue   `json:"identifier"`
	Title              string          `json:"title"`
	Description        string          `json:"description"`
	DatePosted         string          `json:"datePosted,omitempty"`
	ValidThrough       string          `json:"validThrough"`
	EmploymentType     []string        `json:"employmentType"`
	HiringOrganization organization    `json:"hiringOrganization"`
	JobLocation        *place          `json:"jobLocation,omitempty"`
	JobLocationType    string          `json:"jobLocationType,omitempty"`
	ApplicantLocation  *country        `json:"applicantLocationRequirements,omitempty"`
	BaseSalary         *monetaryAmount `json:"baseSalary,omitempty"`
	WorkHours          string          `json:"workHours"`
	JobStartDate       string          `json:"jobStartDate,omitempty"`
	Qualifications     []string        `json:"qualifications,omitempty"`
	Skills             []string        `json:"skills,omitempty"`
	URL                string          `json:"url"`
	DirectApply        bool            `json:"directApply"`
	InLanguage         string          `json:"inLanguage"`
}

type propertyValue struct {
	Type  string `json:"@type"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

type organization struct {
	Type   string `json:"@type"`
	Name   string `json:"name"`
	SameAs string `json:"sameAs"`
}

type place struct {
	Type    string        `json:"@type"`
	Address postalAddress `json:"address"`
	Geo     *geoPoint     `json:"geo,omitempty"`
}

type postalAddress struct {
	Type            string `json:"@type"`
	AddressLocality string `json:"addressLocality"`
	AddressRegion   string `json:"addressRegion,omitempty"`
	AddressCountry  string `json:"addressCountry"`
}

type geoPoint struct {
	Type      string  `json:"@type"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type country struct {
	Type string `json:"@type"`
	Name string `json:"name"`
}

type monetaryAmount struct {
	Type     string            `json:"@type"`
	Currency string            `json:"currency"`
	Value    quantitativeValue `json:"value"`
}

type quantitativeValue struct {
	Type     string `json:"@type"`
	MinValue *int   `json:"minValue,omitempty"`
	MaxValue *int   `json:"maxValue,omitempty"`
	UnitText string `json:"unitText"`
}

// employmentTypes maps a contract and its hours to schema.org's values.
func employmentTypes(o *recruiting.Offer) []string {
	time := "PART_TIME"
	if o.HoursPerWeek >= 35 {
		time = "FULL_TIME"
	}
	switch o.Contract {
	case recruiting.ContractCDD:
		return []string{"TEMPORARY", time}
	case recruiting.ContractApprentissage:
		return []string{"OTHER", time}
	case recruiting.ContractServiceCivique, recruiting.ContractBenevolat:
		return []string{"VOLUNTEER"}
	}
	return []string{time}
}

var salaryUnits = map[recruiting.SalaryPeriod]string{recruiting.PeriodHour: "HOUR", recruiting.PeriodMonth: "MONTH", recruiting.PeriodYear: "YEAR"}

// JobPosting turns an offer into schema.org's JobPosting, in French.
func (h *Capability) jobPosting(c *fiber.Ctx, o *recruiting.Offer) jobPosting {
	base := h.Config.BaseURL.String()
	url := base + "/emploi/offres/" + itoa(o.ID)
	// The last day to apply ends at midnight, Paris time.
	end := time.Date(o.ClosesOn.Year(), o.ClosesOn.Month(), o.ClosesOn.Day(), 23, 59, 59, 0, maillage.Paris)
	j := jobPosting{Type: "JobPosting", ID: url, Identifier: propertyValue{Type: "PropertyValue", Name: "Maillage", Value: itoa(o.ID)},
		Title: o.Title(), Description: o.Description, ValidThrough: end.Format(time.RFC3339), EmploymentType: employmentTypes(o),
		HiringOrganization: organization{Type: "Organization", Name: o.StructureNom, SameAs: base + "/structures/" + itoa(o.StructureID)},
		WorkHours:          h.T(c, "recruiting.offer.hours_value", "Count", o.HoursPerWeek), URL: url, DirectApply: true, InLanguage: "fr"}
	if o.PublishedAt != nil {
		j.DatePosted = o.PublishedAt.In(maillage.Paris).Format(recruiting.DateLayout)
	}
	if o.CodeInsee != "" {
		j.JobLocation = &place{Type: "Place", Address: postalAddress{Type: "PostalAddress", AddressLocality: o.Commune, AddressRegion: o.CodeDepartement, AddressCountry: "FR"}}
		if o.Latitude != nil && o.Longitude != nil {
			j.JobLocation.Geo = &geoPoint{Type: "GeoCoordinates", Latitude: *o.Latitude, Longitude: *o.Longitude}
		}
	}
	if o.Remote == recruiting.RemoteFull {
		j.JobLocationType = "TELECOMMUTE"
		j.ApplicantLocation = &country{Type: "Country", Name: "FR"}
	}
	if s := o.Salary; s.Set() {
		j.BaseSalary = &monetaryAmount{Type: "MonetaryAmount", Currency: "EUR",
			Value: quantitativeValue{Type: "QuantitativeValue", MinValue: s.Min, MaxValue: s.Max, UnitText: salaryUnits[s.Period]}}
	}
	if o.StartOn != nil {
		j.JobStartDate = o.StartOn.Format(recruiting.DateLayout)
	}
	for _, w := range o.Wants {
		label := w.Code() + " " + w.Label
		if w.Required {
			j.Qualifications = append(j.Qualifications, label)
		} else {
			j.Skills = append(j.Skills, label)
		}
	}
	return j
}

// openData is GET /emploi/offres.json: every offer that takes
// applications, as a JSON-LD graph of schema.org JobPosting (Licence
// Ouverte: the employers publish them to be read).
func (h *Capability) openData(c *fiber.Ctx) error {
	var out []jobPosting
	for offset := 0; ; offset += 500 {
		list, total, err := h.d.Recruiting.FindOffers(c.UserContext(), recruiting.OfferFilter{OpenOn: h.Now(), Offset: offset, Limit: 500})
		if err != nil {
			return err
		}
		for _, o := range list {
			out = append(out, h.jobPosting(c, o))
		}
		if offset+500 >= total {
			break
		}
	}
	if out == nil {
		out = []jobPosting{}
	}
	b, err := json.Marshal(fiber.Map{"@context": "https://schema.org", "@graph": out})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/ld+json; charset=utf-8")
	return c.Send(b)
}
