package fold

import "testing"

func TestSearchIndexText(t *testing.T) {
	cases := []struct{ in, folded, exact, joined string }{
		{"Đại hội Đảng tại TP.HCM", "dai hoi dang tai tp hcm", "đại hội đảng tại", "tphcm"},
		{"Thuỷ điện Hoà Bình", "thuy dien hoa binh", "thủy điện hòa bình", ""},
		{"tỉ đồng, tỷ lệ", "ty dong ty le", "tỷ đồng lệ", ""},
		{"UBND TP HCM và Tp. HCM", "ubnd tp hcm va tp hcm", "và", "ubndtp tphcm ubndtphcm"},
		{"VN-Index giảm 20-25 điểm", "vn index giam 20 25 diem", "giảm điểm", "vnindex 2025"},
		{"東京都 <b>x</b>", "東 京 都 b x b", "", ""},
	}
	for _, c := range cases {
		got := SearchIndexText(c.in)
		if got.Folded != c.folded || got.Exact != c.exact || got.Joined != c.joined {
			t.Errorf("SearchIndexText(%q) = %+v, want {%q %q %q}", c.in, got, c.folded, c.exact, c.joined)
		}
	}
	got := SearchIndexText("Giá vàng USD, Hà Nội hà nội")
	if want := "gia·vang vang·usd usd·ha ha·noi noi·ha"; got.Pairs != want {
		t.Errorf("Pairs = %q, want %q", got.Pairs, want)
	}
	if want := "giá·vàng vàng·usd usd·hà hà·nội nội·hà"; got.ExactPairs != want {
		t.Errorf("ExactPairs = %q, want %q", got.ExactPairs, want)
	}
}
