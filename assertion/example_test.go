package assertion_test

import (
	"fmt"
	"log"
	"net/http"

	"github.com/verigate/caddy-iamport/assertion"
)

// A Go backend behind caddy-iamport accepts a signup only with a verified
// assertion.
func ExampleVerifier_Middleware() {
	v, err := assertion.NewVerifier(assertion.Config{
		JWKSURL:  "http://gateway.internal/.well-known/jwks.json",
		Audience: "https://app.example.com",
		Issuer:   "caddy-iamport",
	})
	if err != nil {
		log.Fatal(err)
	}
	signup := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := assertion.FromContext(r.Context())
		// A UNIQUE index on the CI hash gives one account per person.
		fmt.Fprintf(w, "welcome, person %s born in %d\n", id.CIHash[:8], id.BirthYear)
	})
	http.Handle("/signup", v.Middleware("", signup))
}
