package web

func (s *Server) routes() {
	app := s.app
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/", s.home)
	app.Get("/a-propos/donnees", s.aboutData)
	app.Get("/api/communes", s.apiCommunes)

}
