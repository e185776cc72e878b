package extract

import (
	"net/url"
	"strings"
	"testing"

	"github.com/verigate/caddy-iamport/internal/problem"
)

// TestFieldNameFolding proves each folding rule on a decoded key: every
// spelling some framework hands to the application as imp_uid counts as
// the field, and near misses do not.
func TestFieldNameFolding(t *testing.T) {
	tests := []struct {
		name, key string
		counts    bool
	}{
		{"exact", "imp_uid", true},
		{"ASCII case ignored (Go encoding/json, Jackson option)", "IMP_UID", true},
		{"dot read as underscore (PHP)", "imp.uid", true},
		{"space read as underscore (PHP)", "imp uid", true},
		{"hyphen read as underscore", "imp-uid", true},
		{"upper case with dot", "IMP.UID", true},
		{"leading spaces dropped (PHP)", "   imp_uid", true},
		{"trailing white space dropped (Django strips multipart names)", "imp_uid \t", true},
		{"Unicode white space dropped (Python str.strip)", "\u3000imp_uid\u001f", true},
		{"NUL ends the name (PHP)", "imp_uid\x00junk", true},
		{"unterminated bracket read as underscore (PHP)", "imp[uid", true},
		{"array spelling (PHP, Rack, qs)", "imp_uid[]", true},
		{"hash spelling (PHP, Rack, qs)", "imp_uid[x]", true},
		{"deep nesting", "imp_uid[0][a]", true},
		{"nested under a model (Rails forms)", "user[imp_uid]", true},
		{"leading bracket (qs drops it)", "[imp_uid]", true},
		{"trailing open bracket (qs nests it)", "imp_uid[", true},
		{"dotted path (qs allowDots, Spring binder)", "user.imp_uid", true},
		{"default-value prefix (Spring WebDataBinder)", "!imp_uid", true},
		{"dotless i folds like encoding/json", "\u0131mp_uid", true},

		{"longer name", "imp_uidx", false},
		{"prefixed name", "ximp_uid", false},
		{"trailing underscore", "imp_uid_", false},
		{"field marker carries no value (Spring)", "_imp_uid", false},
		{"shorter name", "imp_ui", false},
		{"doubled separator", "imp__uid", false},
		{"NUL before the name ends it", "\x00imp_uid", false},
		{"other field", "merchant_uid", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := collector{field: DefaultField}
			if got := c.matches([]byte(tt.key)); got != tt.counts {
				t.Fatalf("matches(%q) = %v, want %v", tt.key, got, tt.counts)
			}
		})
	}
}

// TestSmuggledSpellingsAreChecked proves a second id in each spelling is
// found in the query, a urlencoded body, a multipart part name and a JSON
// key, and refused as a conflict.
func TestSmuggledSpellingsAreChecked(t *testing.T) {
	spellings := []string{
		" imp_uid", "imp+uid", "imp%20uid", "imp_uid%00x", "imp_uid[]", "imp_uid[x]", "IMP.UID",
		"imp%5Fuid", "%5Bimp_uid%5D", "user[imp_uid]", "!imp_uid", "imp[uid",
	}
	for _, sp := range spellings {
		decoded, err := url.QueryUnescape(sp)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct{ where, query, ct, body string }{
			{"query", sp + "=imp_2", formCT, "imp_uid=imp_1"},
			{"form body", "", formCT, "imp_uid=imp_1&" + sp + "=imp_2"},
			{"multipart name", "", mpCT, multipartBody(boundary, field("imp_uid", "imp_1"), field(strings.ReplaceAll(decoded, "\x00", "%00"), "imp_2"))},
			{"JSON key", "", jsonCT, `{"imp_uid":"imp_1",` + jsonString(decoded) + `:"imp_2"}`},
		}
		for _, tc := range cases {
			if tc.where == "multipart name" && strings.ContainsAny(decoded, "\x00") {
				continue // a NUL cannot stand in a header; the query and form cases cover it
			}
			t.Run(tc.where+" "+sp, func(t *testing.T) {
				id, perr := ID(post(tc.query, tc.ct, tc.body), Options{})
				if codeOf(perr) != problem.ImpUIDConflict {
					t.Fatalf("ID() = %q, %v; want imp_uid_conflict", id, perr)
				}
			})
		}
	}
}

// jsonString quotes s as a JSON string, escaping the control characters a
// JSON text cannot hold raw.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
