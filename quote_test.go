package memfile

import (
	"math/rand"
	"strconv"
	"testing"
)

// quoteName replaces strconv.Quote in (*Error).Error to keep strconv's
// Unicode tables out of programs (scripts/footprint.sh); it must quote
// exactly as strconv.QuoteToASCII does.
func TestQuoteNameIsQuoteToASCII(t *testing.T) {
	corpus := []string{
		"", "bench", `a"b`, `back\slash`, "tab\tnew\nline\rcr", "\a\b\f\v", "\x00\x01\x1f\x7f",
		"café", "日本語", "\u202eevil", "\u200b", "\u2028\u2029", "\ufeff", "\ufffd", "\U0001f600",
		"\x80", "\xff", "a\xc3", "\xc3(", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf",
	}
	for c := 0; c < 256; c++ {
		corpus = append(corpus, string([]byte{byte(c)}), "x"+string([]byte{byte(c), 'y'}))
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.Intn(12))
		for j := range b {
			switch rng.Intn(3) {
			case 0:
				b[j] = byte(rng.Intn(256))
			case 1:
				b[j] = byte(0x80 + rng.Intn(0x40)) // continuation bytes
			default:
				b[j] = byte(0xc0 + rng.Intn(0x40)) // lead bytes
			}
		}
		corpus = append(corpus, string(b), string([]rune{rune(rng.Intn(0x110000))}))
	}
	for _, s := range corpus {
		if got, want := quoteName(s), strconv.QuoteToASCII(s); got != want {
			t.Fatalf("quoteName(%q) = %s, want %s", s, got, want)
		}
	}
	err := opError("memfd_create", "a\nb", errInvalid, "")
	if want := "memfile: memfd_create " + strconv.QuoteToASCII("a\nb") + ": " + errInvalid.Error(); err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}
