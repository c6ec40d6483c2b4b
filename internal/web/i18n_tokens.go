package web

func init() {
	addMessages(map[string][2]string{
		"flash.token_revoked": {"Le jeton a été révoqué : il ne donne plus accès à l'API.", "The token was revoked: it no longer gives access to the API."},

		"account.api":      {"Accès à l'API", "API access"},
		"account.api.text": {"Des jetons personnels permettent à vos programmes d'utiliser l'API de Maillage en votre nom.", "Personal tokens let your programs use the Maillage API on your behalf."},
		"account.api.link": {"Gérer mes jetons d'API", "Manage my API tokens"},

		"tokens.title":         {"Jetons d'API", "API tokens"},
		"tokens.lead":          {"Un jeton permet à un programme (script, tableur, autre service) d'utiliser l'API de Maillage en votre nom, avec vos droits. Il ne donne pas accès aux pages de votre compte. Révoquez un jeton dès qu'il ne sert plus ou s'il a pu être vu par quelqu'un d'autre.", "A token lets a program (script, spreadsheet, other service) use the Maillage API on your behalf, with your rights. It does not open your account pages. Revoke a token as soon as it is no longer used or may have been seen by someone else."},
		"tokens.back":          {"Retour à mon compte", "Back to my account"},
		"tokens.new":           {"Votre nouveau jeton", "Your new token"},
		"tokens.new.warning":   {"Copiez-le maintenant : il ne sera plus jamais affiché. Maillage n'en garde qu'une empreinte.", "Copy it now: it will never be shown again. Maillage only keeps a fingerprint of it."},
		"tokens.new.label":     {"Jeton « %s »", "Token “%s”"},
		"tokens.usage":         {"Exemple d'utilisation", "Example"},
		"tokens.doc":           {"Description complète de l'API (OpenAPI 3)", "Full API description (OpenAPI 3)"},
		"tokens.create":        {"Créer un jeton", "Create a token"},
		"tokens.name.label":    {"Nom du jeton", "Token name"},
		"tokens.name.hint":     {"Pour le reconnaître plus tard, par exemple : « export mensuel ». 80 caractères au plus.", "To recognise it later, for example: “monthly export”. 80 characters at most."},
		"tokens.create.submit": {"Créer le jeton", "Create the token"},
		"tokens.list":          {"Mes jetons", "My tokens"},
		"tokens.caption":       {"Vos jetons d'API, actifs d'abord", "Your API tokens, active first"},
		"tokens.empty":         {"Vous n'avez encore aucun jeton.", "You have no token yet."},
		"tokens.col.name":      {"Nom", "Name"},
		"tokens.col.created":   {"Créé le", "Created"},
		"tokens.col.used":      {"Dernière utilisation", "Last used"},
		"tokens.col.state":     {"État", "State"},
		"tokens.col.action":    {"Action", "Action"},
		"tokens.never":         {"jamais", "never"},
		"tokens.active":        {"actif", "active"},
		"tokens.revoked":       {"révoqué le %s", "revoked on %s"},
		"tokens.revoke":        {"Révoquer", "Revoke"},
		"tokens.revoke.label":  {"Révoquer le jeton « %s »", "Revoke the token “%s”"},
	})
}
