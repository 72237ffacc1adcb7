package console

import "net/http"

// platformRoutes are the platform console's pages on the base domain.
func (c *Console) platformRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+Prefix+"static/", static())
	mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusNotFound, &view{Site: "Platform", Platform: true}, "There is no such page in the platform console.")
	})
	return mux
}

// tenantForm is the platform's new-tenant form.
type tenantForm struct{}
