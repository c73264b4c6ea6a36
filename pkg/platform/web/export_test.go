package web

import "net/http"

// Admin is the admin listener's handler, for tests.
func (s *Server) Admin() http.Handler { return s.admin }
