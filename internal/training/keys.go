package training

// Message keys of the training capability. Each is defined in
// internal/web/training/messages.{fr,en}.yaml (a test checks it); arguments
// are given where the key is used.
const (
	// Validation of offers, sessions and bodies.
	KeyRequired               = "training.field.required"
	KeyTooLong                = "training.field.too_long"              // Count, Max
	KeyControl                = "training.field.control_character"     //
	KeyChoice                 = "training.field.choice"                //
	KeyDuplicate              = "training.field.duplicate"             // Code
	KeyTooMany                = "training.field.too_many"              // Count, Max
	KeyNegative               = "training.field.negative"              //
	KeyTooLarge               = "training.field.too_large"             // Max
	KeyEmail                  = "training.field.email"                 //
	KeyPhone                  = "training.field.phone"                 //
	KeyURL                    = "training.field.url"                   //
	KeyInsee                  = "training.field.insee"                 //
	KeyPostcode               = "training.field.postcode"              //
	KeySIRET                  = "training.field.siret"                 //
	KeyActivityNumber         = "training.field.activity_number"       // Length
	KeyAddressLines           = "training.field.address_lines"         // Max, Width
	KeyUnknownCertification   = "training.offer.unknown_certification" // Code
	KeyUnknownBloc            = "training.offer.unknown_bloc"          // Code
	KeyBlocOtherCertification = "training.offer.bloc_other_certification"
	KeyEndBeforeStart         = "training.session.end_before_start"
	KeyTooEarly               = "training.session.too_early"             // Year
	KeySeatsLeftOverSeats     = "training.session.seats_left_over_seats" // Seats
)
