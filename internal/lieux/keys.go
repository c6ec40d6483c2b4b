package lieux

// Message keys of the import report, in internal/web/lieux/report.fr.yaml
// and report.en.yaml. Arguments are listed after each key.
const (
	// Rows: values of one field.
	KeyRequired         = "lieux.row.required"          // Field
	KeyNumber           = "lieux.row.number"            // Field, Value
	KeyDateFormat       = "lieux.row.date_format"       // Field, Value
	KeyTooLong          = "lieux.row.too_long"          // Field, Length, Max
	KeyTruncated        = "lieux.row.truncated"         // Field, Length, Max (warning)
	KeyPattern          = "lieux.row.pattern"           // Field, Value
	KeyPivot            = "lieux.row.pivot"             // Value
	KeyPostcode         = "lieux.row.code_postal"       // Value
	KeyInsee            = "lieux.row.code_insee"        // Value
	KeyEnum             = "lieux.row.enum"              // Field, Value
	KeyPivotPlaceholder = "lieux.row.pivot_placeholder" // Value (warning)
	KeyPivotSIREN       = "lieux.row.pivot_siren"       // Value (warning)
	KeyPivotSIRETKey    = "lieux.row.pivot_siret_key"   // Value (warning)
	KeyPivotUnknown     = "lieux.row.pivot_unknown"     // Value (warning)
	KeyTypologieUnknown = "lieux.row.typologie_unknown" // Value (warning)
	KeyPhone            = "lieux.row.telephone"         // Value
	KeyPhoneForeign     = "lieux.row.telephone_foreign" // Value
	KeyPhoneSeveral     = "lieux.row.telephone_several" // Value (warning)
	KeyPhoneUnassigned  = "lieux.row.telephone_unused"  // Value, Stored (warning)
	KeyEmail            = "lieux.row.email"             // Value
	KeyURL              = "lieux.row.url"               // Field, Value
	KeyDateImpossible   = "lieux.row.date_impossible"   // Value
	KeyDateUnreadable   = "lieux.row.date_unreadable"   // Value
	KeyDateOld          = "lieux.row.date_old"          // Value (warning)
	KeyCoordinateAlone  = "lieux.row.coordinate_alone"  // Field (warning)
	KeyCoordinateNumber = "lieux.row.coordinate_number" // Field, Value
	KeyCoordinateRange  = "lieux.row.coordinate_range"  // Field, Value, Limit
	KeyListItem         = "lieux.row.list_item"         // Field, Value
	KeyListTooLong      = "lieux.row.list_too_long"     // Field, Count, Max
	KeyControl          = "lieux.row.control"           // Field, Position, Code
	KeyHoraires         = "lieux.row.horaires"          // Value, Position (warning)

	// Rows: the row as a whole, and its commune.
	KeyIDDuplicate               = "lieux.row.id_duplicate"            // Value, First
	KeyInseeUnknown              = "lieux.row.insee_unknown"           // Value
	KeyInseePostcode             = "lieux.row.insee_postcode"          // Code, Postcode (warning)
	KeyInseeCorrectedPostcode    = "lieux.row.insee_fixed_postcode"    // Old, OldCommune, New, NewCommune, Km (warning)
	KeyInseeCorrectedCoordinates = "lieux.row.insee_fixed_coordinates" // Old, OldCommune, New, NewCommune, Km (warning)
	KeyCoordinatesFar            = "lieux.row.coordinates_far"         // Code, Commune, Km (warning)
	KeyCommuneByName             = "lieux.row.commune_by_name"         // Postcode, Code, Commune (warning)
	KeyCommuneByCoordinates      = "lieux.row.commune_by_coordinates"  // Postcode, Code, Commune, Km (warning)
	KeyCommuneUnresolved         = "lieux.row.commune_unresolved"      // Postcode, Commune (warning)
	KeyColumns                   = "lieux.row.columns"                 // Count, Header
	KeyQuote                     = "lieux.row.quote"                   //
	KeyUnreadableRow             = "lieux.row.unreadable"              //
	KeyNotObject                 = "lieux.row.not_object"              //
	KeyJSONType                  = "lieux.row.json_type"               // Field
	KeyMatched                   = "lieux.row.matched"                 // Structure, LieuID, Nom (warning)
	KeyMatchAmbiguous            = "lieux.row.match_ambiguous"         // Count (warning)
	KeyOutsideTerritory          = "lieux.row.outside_territory"       // Departement
	KeyStoredOutsideTerritory    = "lieux.row.stored_outside"          // Value, Departement

	// The file: warnings and notes.
	KeyColumnsUnknown = "lieux.file.columns_unknown" // Columns
	KeyColumnsAbsent  = "lieux.file.columns_absent"  // Columns
	KeyFieldsUnknown  = "lieux.file.fields_unknown"  // Fields
	KeyEnumUnknown    = "lieux.file.enum_unknown"    // Field, Value, Count (note)
	KeyEnumAllowed    = "lieux.file.enum_allowed"    // Field, Values (note)
	KeyV0Detected     = "lieux.v0.detected"          // (note)
	KeyV0Column       = "lieux.v0.column"            // From, To (note)
	KeyV0ColumnIgnore = "lieux.v0.column_ignored"    // Column (note)
	KeyV0Value        = "lieux.v0.value"             // FromField, From, ToField, To, Count (note)
	KeyV0Dropped      = "lieux.v0.dropped"           // Field, Value, Count (note)

	// The file: why it cannot be read at all (maillage.Error keys).
	KeyFileEmpty          = "lieux.file.empty"
	KeyFileNoHeader       = "lieux.file.no_header"
	KeyFileUnreadable     = "lieux.file.unreadable"
	KeyFileTruncated      = "lieux.file.truncated"
	KeyFileUTF16          = "lieux.file.utf16"
	KeyFileNotUTF8        = "lieux.file.not_utf8"        // Line
	KeyFileColumnTwice    = "lieux.file.column_twice"    // Column
	KeyFileRequired       = "lieux.file.required"        // Missing, Columns
	KeyFileNotArray       = "lieux.file.json_not_array"  //
	KeyFileJSONSyntax     = "lieux.file.json_syntax"     // Line
	KeyFileJSONIncomplete = "lieux.file.json_incomplete" //
	KeyFileJSONUnreadable = "lieux.file.json_unreadable" //
	KeyFileHeaderOrder    = "lieux.file.header_order"    // Header, Count, Columns
	KeyFileTooLarge       = "lieux.file.too_large"       // Max
	KeyFileKind           = "lieux.file.kind"            //
	KeyExportInvalid      = "lieux.file.export_invalid"  // Count, Line, Field

	// Background imports.
	KeyJobQueued   = "lieux.job.queued"
	KeyJobRunning  = "lieux.job.running"
	KeyJobDone     = "lieux.job.done"
	KeyJobFailed   = "lieux.job.failed"
	KeyJobInternal = "lieux.job.internal"
	KeyJobNotFound = "lieux.job.not_found"

	// The printed and downloadable report.
	KeyReportTitle   = "lieux.problems.title"   // Name
	KeyReportTotals  = "lieux.problems.totals"  // Total, Created, Updated, Rejected, Warnings
	KeyReportVersion = "lieux.problems.version" // Version
	KeyReportGroup   = "lieux.problems.group"   // Count, Kind
	KeyReportMore    = "lieux.problems.more"    // Count
	KeyReportEntry   = "lieux.problems.entry"   // Kind, Where, Message
	KeyReportFile    = "lieux.problems.file"    //
	KeyReportLine    = "lieux.problems.line"    // Line
	KeyReportLineID  = "lieux.problems.line_id" // Line, ID
	KeyColLine       = "lieux.problems.col.line"
	KeyColID         = "lieux.problems.col.id"
	KeyColKind       = "lieux.problems.col.kind"
	KeyColField      = "lieux.problems.col.field"
	KeyColKey        = "lieux.problems.col.key"
	KeyColMessage    = "lieux.problems.col.message"
	KeyKindError     = "lieux.problems.kind.error"
	KeyKindWarning   = "lieux.problems.kind.warning"
	KeyKindNote      = "lieux.problems.kind.note"
)

// Opening hours, for the web layer to show a Schedule.
const (
	KeyHoursAlways         = "lieux.hours.always"
	KeyHoursClosed         = "lieux.hours.closed"
	KeyHoursInterval       = "lieux.hours.interval" // From, To
	KeyHoursPublicHolidays = "lieux.hours.public_holidays"
	KeyHoursSchoolHolidays = "lieux.hours.school_holidays"
	KeyHoursWeeks          = "lieux.hours.weeks"      // From, To, Step
	KeyHoursMonths         = "lieux.hours.months"     // From, To (month keys translated)
	KeyHoursDate           = "lieux.hours.date"       // Day, Month
	KeyHoursDate1          = "lieux.hours.date_first" // Month (the first of a month)
	KeyHoursDates          = "lieux.hours.dates"      // From, To (dates with their day)
	KeyHoursDays           = "lieux.hours.days"       // From, To (weekday names)
	KeyHoursTwoDays        = "lieux.hours.two_days"   // From, To (two days in a row)
	KeyHoursTime           = "lieux.hours.time"       // H, M (minutes, two digits)
	KeyHoursTimeH          = "lieux.hours.time_h"     // H (on the hour)
	KeyHoursOpenEnd        = "lieux.hours.open_end"   // From
	KeyHoursComment        = "lieux.hours.comment"    // What, Comment
	KeyHoursEvery          = "lieux.hours.every_day"
	KeyHoursWeek           = "lieux.hours.week"      // From
	KeyHoursWeekAll        = "lieux.hours.weeks_all" // From, To
	KeyHoursNthLast        = "lieux.hours.nth.last"  // Day
	KeyHoursLine           = "lieux.hours.line"      // When, What (a line, in templates)
)

// NthKeys name the nth weekday of a month (1–5).
var NthKeys = [5]string{
	"lieux.hours.nth.1", // Day
	"lieux.hours.nth.2", // Day
	"lieux.hours.nth.3", // Day
	"lieux.hours.nth.4", // Day
	"lieux.hours.nth.5", // Day
}

// WeekdayKeys name the days, Monday first (index of Schedule.Week).
var WeekdayKeys = [7]string{
	"lieux.hours.day.mo", "lieux.hours.day.tu", "lieux.hours.day.we", "lieux.hours.day.th",
	"lieux.hours.day.fr", "lieux.hours.day.sa", "lieux.hours.day.su",
}

// MonthKeys name the months, January first (index = month - 1).
var MonthKeys = [12]string{
	"lieux.hours.month.1", "lieux.hours.month.2", "lieux.hours.month.3", "lieux.hours.month.4",
	"lieux.hours.month.5", "lieux.hours.month.6", "lieux.hours.month.7", "lieux.hours.month.8",
	"lieux.hours.month.9", "lieux.hours.month.10", "lieux.hours.month.11", "lieux.hours.month.12",
}
