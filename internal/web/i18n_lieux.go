package web

func init() {
	addMessages(map[string][2]string{
		"lieux.nav.import": {"Import des lieux", "Import places"},

		"lieux.import.title":       {"Importer des lieux", "Import places"},
		"lieux.import.lead":        {"Envoyez un fichier au standard national des lieux de médiation numérique (LaMednum v1.0.2). Les lignes valides sont créées ou mises à jour ; réimporter le même fichier ne crée pas de doublon. Les lignes en erreur sont rejetées et listées avec leur motif.", "Send a file in the national standard for places of digital mediation (LaMednum v1.0.2). Valid rows are created or updated; importing the same file again creates no duplicate. Rows with errors are rejected and listed with the reason."},
		"lieux.import.file":        {"Fichier de lieux", "File of places"},
		"lieux.import.file.hint":   {"CSV (séparateur , ou ;) ou JSON, encodé en UTF-8, 10 Mo au plus.", "CSV (separator , or ;) or JSON, UTF-8 encoded, 10 MB at most."},
		"lieux.import.submit":      {"Importer", "Import"},
		"lieux.import.export":      {"Exporter les lieux", "Export places"},
		"lieux.import.export.text": {"Tous les lieux de Maillage, au même standard (données ouvertes) :", "Every place in Maillage, in the same standard (open data):"},
		"lieux.report.title":       {"Rapport d'import : %s", "Import report: %s"},
		"lieux.report.total":       {"Lignes lues", "Rows read"},
		"lieux.report.created":     {"Lieux créés", "Places created"},
		"lieux.report.updated":     {"Lieux mis à jour", "Places updated"},
		"lieux.report.rejected":    {"Lignes rejetées", "Rows rejected"},
		"lieux.report.warnings":    {"Avertissements (lignes importées)", "Warnings (rows imported)"},
		"lieux.report.clean":       {"Aucune remarque : toutes les lignes ont été importées telles quelles.", "No remarks: every row was imported as is."},
		"lieux.report.caption":     {"Remarques par ligne du fichier", "Remarks by line of the file"},
		"lieux.report.col.line":    {"Ligne", "Line"},
		"lieux.report.col.id":      {"Identifiant", "Id"},
		"lieux.report.col.kind":    {"Type", "Kind"},
		"lieux.report.col.field":   {"Champ", "Field"},
		"lieux.report.col.reason":  {"Motif", "Reason"},
		"lieux.report.error":       {"Erreur : ligne rejetée", "Error: row rejected"},
		"lieux.report.warning":     {"Avertissement : ligne importée", "Warning: row imported"},
		"lieux.report.file":        {"fichier", "file"},
	})
}
