package portone_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/verigate/caddy-iamport/internal/certification"
	"github.com/verigate/caddy-iamport/internal/portone"
	"github.com/verigate/caddy-iamport/internal/sandbox"
)

// TestClientReadsEverySandboxIdentity runs the client against the sandbox's
// V2 imitation over real HTTP: the two were written from the same spec, so
// this proves they agree on it (paths, header, storeId, member names).
func TestClientReadsEverySandboxIdentity(t *testing.T) {
	srv := httptest.NewServer(sandbox.New(sandbox.Config{PortOneSecret: "s3cret", PortOneStoreID: "store-x"}))
	defer srv.Close()
	c, err := portone.New(portone.Config{BaseURL: srv.URL, Secret: "s3cret", StoreID: "store-x"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tests := []struct {
		id    string
		check func(r certification.Record) bool
		want  error
	}{
		{sandbox.AdultV2ID, func(r certification.Record) bool {
			return r.Certified && r.Source == "portone" && r.Gender == "male" && r.Carrier == "SKT" && r.Phone == "01012345678" &&
				r.CI != "" && r.DI != "" && !r.Foreigner && !r.ForeignerUnknown && time.Since(r.CertifiedAt) < 2*time.Minute
		}, nil},
		{sandbox.TurnsNineteenTodayV2ID, func(r certification.Record) bool { return r.Carrier == "LGT" }, nil},
		{sandbox.NoCIV2ID, func(r certification.Record) bool { return r.Carrier == "LGT_MVNO" && r.CI == "" }, nil},
		{sandbox.NotCertifiedV2ID, func(r certification.Record) bool { return !r.Certified }, nil},
		{sandbox.ForeignerV2ID, func(r certification.Record) bool { return r.Foreigner && r.Gender == "female" }, nil},
		{sandbox.NoDIV2ID, func(r certification.Record) bool { return r.DI == "" && r.Gender == "" && r.Carrier == "" }, nil},
		{sandbox.HangulNameV2ID, func(r certification.Record) bool { return r.Name == "홍길동" }, nil},
		{sandbox.ForeignerUnknownV2ID, func(r certification.Record) bool { return r.ForeignerUnknown && r.Carrier == "" }, nil},
		{"identity-verification-999999999999", nil, certification.ErrNotFound},
		{sandbox.APIErrorV2ID, nil, certification.ErrFailed},
	}
	for _, tt := range tests {
		rec, err := c.Lookup(context.Background(), tt.id)
		if tt.want != nil {
			if !errors.Is(err, tt.want) {
				t.Errorf("%s: error %v, want %v", tt.id, err, tt.want)
			}
			continue
		}
		if err != nil || rec.ImpUID != tt.id || !tt.check(rec) {
			t.Errorf("%s: record %+v, error %v", tt.id, rec, err)
		}
	}
	// The wrong secret or store is refused by the sandbox as by PortOne.
	for _, cfg := range []portone.Config{{BaseURL: srv.URL, Secret: "wrong"}, {BaseURL: srv.URL, Secret: "s3cret", StoreID: "store-y"}} {
		wrong, err := portone.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := wrong.Lookup(context.Background(), sandbox.AdultV2ID); !errors.Is(err, certification.ErrFailed) {
			t.Errorf("config %+v: error %v, want ErrFailed", cfg, err)
		}
		wrong.Close()
	}
}
