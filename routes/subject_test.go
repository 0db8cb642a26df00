package routes

import "testing"

func TestTokensKeepEventTypeDotsAndReplaceWhatNATSForbids(t *testing.T) {
	cases := []struct{ in, tokens, token string }{
		{"compute.instance.create.end", "compute.instance.create.end", "compute_instance_create_end"},
		{"", "_", "_"},
		{"a..b", "a._.b", "a__b"},
		{".a.", "_.a._", "_a_"},
		{"has space*and>wild\tcards", "has_space_and_wild_cards", "has_space_and_wild_cards"},
		{"ünïcode.ok", "ünïcode.ok", "ünïcode_ok"},
	}
	for _, c := range cases {
		if got := Tokens(c.in); got != c.tokens {
			t.Errorf("Tokens(%q) = %q, want %q", c.in, got, c.tokens)
		}
		if got := Token(c.in); got != c.token {
			t.Errorf("Token(%q) = %q, want %q", c.in, got, c.token)
		}
	}
}
