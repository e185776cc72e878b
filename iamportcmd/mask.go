package iamportcmd

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The masks lookup applies to personal fields unless --reveal is given.
// They follow the usual Korean practice of showing the shape of a value
// (홍*동, 010****5678) so that an operator can tell records apart, and
// never the part that identifies the person. Fields the gateway forwards
// to every backend in clear by default (the birth year) or that identify
// nobody on their own (gender, carrier, nationality) are not masked.

// maskName keeps a name's first and last characters: 홍*동, 남궁**수; a
// name of two characters keeps only the first (김*), one of one character
// nothing.
func maskName(name string) string {
	r := []rune(name)
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// maskPhone keeps a phone number's first three and last four digits:
// 010****5678. A number shorter than eight digits is masked whole.
func maskPhone(phone string) string {
	r := []rune(phone)
	if len(r) < 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// maskOpaque describes an identifier (CI, DI) without any of it.
func maskOpaque(v string) string {
	return fmt.Sprintf("(%d characters, masked)", utf8.RuneCountInString(v))
}
