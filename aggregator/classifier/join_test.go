package classifier

import "testing"

// TestKeywordJoinedWords: words joined by '.', a hyphen or abbreviation
// spacing may also be written as one word, on either side.
func TestKeywordJoinedWords(t *testing.T) {
	runCases(t, map[string]ruleCase{
		"TP.HCM finds TPHCM":              {kw("TP.HCM"), Doc{Title: "Giá nhà ở TPHCM tăng"}, true},
		"TP HCM finds TPHCM":              {kw("TP HCM"), Doc{Title: "Giá nhà ở TPHCM tăng"}, true},
		"Tp. HCM finds TPHCM":             {kw("Tp. HCM"), Doc{Title: "Giá nhà ở TPHCM tăng"}, true},
		"TP.HCM finds tphcm":              {kw("TP.HCM"), Doc{Title: "tin tphcm"}, true},
		"TP.HCM finds TP HCM":             {kw("TP.HCM"), Doc{Title: "Giá nhà ở TP HCM tăng"}, true},
		"TPHCM finds TP.HCM":              {kw("TPHCM"), Doc{Title: "Giá nhà ở TP.HCM tăng"}, true},
		"TPHCM finds TP HCM":              {kw("TPHCM"), Doc{Title: "Giá nhà ở TP HCM tăng"}, true},
		"TPHCM finds Tp. HCM":             {kw("TPHCM"), Doc{Title: "Giá nhà ở Tp. HCM tăng"}, true},
		"TPHCM finds TP. HCM":             {kw("TPHCM"), Doc{Summary: "<p>UBND TP. HCM họp</p>"}, true},
		"TPHCM finds T.P.HCM":             {kw("tphcm"), Doc{Title: "T.P.HCM"}, true},
		"TPHCM finds TP-HCM":              {kw("tphcm"), Doc{Title: "TP-HCM"}, true},
		"TPHCM finds TPHCM":               {kw("TPHCM"), Doc{Title: "TPHCM"}, true},
		"VN-Index finds vnindex":          {kw("VN-Index"), Doc{Title: "vnindex giảm điểm"}, true},
		"VN-Index finds VNINDEX":          {kw("VN-Index"), Doc{Title: "VNINDEX giảm điểm"}, true},
		"VN-Index finds VnIndex":          {kw("VN-Index"), Doc{Content: "Chỉ số VnIndex giảm"}, true},
		"VN-Index finds VN Index":         {kw("VN-Index"), Doc{Title: "VN Index giảm"}, true},
		"vnindex finds VN-Index":          {kw("vnindex"), Doc{Title: "VN-Index giảm điểm"}, true},
		"VNINDEX finds VN-INDEX":          {kw("VNINDEX"), Doc{Title: "VN-INDEX giảm điểm"}, true},
		"covid19 finds COVID-19":          {kw("covid19"), Doc{Title: "COVID-19 cases"}, true},
		"COVID-19 finds Covid19":          {kw("COVID-19"), Doc{Title: "Covid19 cases"}, true},
		"email finds e-mail":              {kw("email"), Doc{Title: "Send an e-mail"}, true},
		"1000 finds 1.000":                {kw("1000 người"), Doc{Title: "Hơn 1.000 người"}, true},
		"2025 not the range 20-25":        {kw("2025"), Doc{Title: "Nhiệt độ 20-25 độ C"}, false},
		"partial join in a phrase":        {kw("UBND TP.HCM"), Doc{Title: "UBND TPHCM họp"}, true},
		"joined word in a longer phrase":  {kw("Sở GTVT TPHCM"), Doc{Title: "Sở GTVT TP.HCM thông báo"}, true},
		"join then a plain word":          {kw("TPHCM mưa"), Doc{Title: "TP. HCM mưa lớn"}, true},
		"explicit split still matches":    {kw("TP.HCM"), Doc{Title: "TP, HCM"}, true},
		"part of a join still matches":    {kw("HCM"), Doc{Title: "TP.HCM"}, true},
		"first part still matches":        {kw("tp"), Doc{Title: "TP.HCM"}, true},
		"joined diacritics kept":          {kw("Đắk-Lắk"), Doc{Title: "Tỉnh ĐắkLắk"}, true},
		"joined diacritics differ":        {kw("Đắk-Lắk"), Doc{Title: "Tỉnh DakLak"}, false},
		"plain join any diacritics":       {kw("daklak"), Doc{Title: "Tỉnh Đắk-Lắk"}, true},
		"ha noi not hanoi":                {kw("ha noi"), Doc{Title: "Tin Hanoi hôm nay"}, false},
		"hanoi not Ha Noi":                {kw("hanoi"), Doc{Title: "Tin Ha Noi"}, false},
		"hanoi not HÀ NỘI":                {kw("hanoi"), Doc{Title: "TIN HÀ NỘI"}, false},
		"Hà Nội not Hà Nam":               {kw("Hà Nội"), Doc{Title: "Hà Nam, Hà-Nam"}, false},
		"hanoi not Hà Nam Nội":            {kw("hanam"), Doc{Title: "Hà Nam"}, false},
		"TPHCM not lower case spaced":     {kw("TPHCM"), Doc{Title: "tp hcm"}, false},
		"TPHCM not mixed case spaced":     {kw("TPHCM"), Doc{Title: "Tp Hcm"}, false},
		"TPHCM not across a comma":        {kw("TPHCM"), Doc{Title: "TP, HCM"}, false},
		"TPHCM not across two dots":       {kw("TPHCM"), Doc{Title: "TP..HCM"}, false},
		"TPHCM not across fields":         {kw("TPHCM"), Doc{Title: "TP", Summary: "HCM"}, false},
		"TPHCM not a longer join":         {kw("TPHCM"), Doc{Title: "TP.HCMC"}, false},
		"symbols on joined words":         {kw(".NET-Core"), Doc{Title: ".NETCore"}, true},
		"symbols on joined words missing": {kw(".NET-Core"), Doc{Title: "NETCore"}, false},
		"ideographs not joined":           {kw("東京"), Doc{Title: "東-京"}, true},
		"tone variant of a join":          {kw("Hòa-Bình"), Doc{Title: "HòaBình"}, true},
		"dotted abbreviation needs caps":  {kw("tphcm"), Doc{Title: "Tp. hcm"}, false},
	})
}

// TestKeywordIYVariants: an initial consonant and i or y is one syllable
// written either way, in Vietnamese.
func TestKeywordIYVariants(t *testing.T) {
	vi := func(title string) Doc { return Doc{Title: title, Language: "vi"} }
	en := func(title string) Doc { return Doc{Title: title, Language: "en"} }
	runCases(t, map[string]ruleCase{
		"tỷ đồng finds tỉ đồng":            {kw("tỷ đồng"), Doc{Title: "Lãi 100 tỉ đồng"}, true},
		"tỉ đồng finds tỷ đồng":            {kw("tỉ đồng"), Doc{Title: "Lãi 100 tỷ đồng"}, true},
		"TỶ ĐỒNG finds tỉ đồng":            {kw("TỶ ĐỒNG"), Doc{Title: "Lãi 100 tỉ đồng"}, true},
		"ty dong finds tỉ đồng":            {kw("ty dong"), Doc{Title: "Lãi 100 tỉ đồng"}, true},
		"ti dong finds tỷ đồng":            {kw("ti dong"), Doc{Title: "Lãi 100 TỶ ĐỒNG"}, true},
		"kỹ sư finds kĩ sư":                {kw("kỹ sư"), Doc{Title: "Tuyển kĩ sư"}, true},
		"lý do finds lí do":                {kw("lý do"), Doc{Title: "Lí do"}, true},
		"Mỹ finds Mĩ":                      {kw("Mỹ"), Doc{Title: "Tổng thống Mĩ"}, true},
		"Mĩ finds MỸ":                      {kw("Mĩ"), Doc{Title: "TỔNG THỐNG MỸ"}, true},
		"sĩ finds sỹ":                      {kw("bác sĩ"), Doc{Title: "Bác sỹ trẻ"}, true},
		"quý finds quí":                    {kw("quý"), Doc{Title: "Quí I"}, true},
		"quy định finds qui định":          {kw("quy định"), Doc{Title: "Qui định mới"}, true},
		"hy sinh finds hi sinh in vi":      {kw("hy sinh"), vi("Anh hi sinh"), true},
		"hy sinh not hi sinh unknown":      {kw("hy sinh"), Doc{Title: "hi sinh"}, false},
		"Hy Lạp finds Hi Lạp":              {kw("Hy Lạp"), Doc{Title: "Hi Lạp"}, true},
		"công ty finds công ti":            {kw("cong ty"), Doc{Title: "Công ti"}, true},
		"in a joined word":                 {kw("ti-vi"), Doc{Title: "Mua tivi"}, true},
		"tone must agree":                  {kw("tỷ"), Doc{Title: "tị"}, false},
		"no tone not a tone":               {kw("tỷ"), Doc{Title: "ti"}, false},
		"other spelling keeps its tone":    {kw("tỉ"), Doc{Title: "tý"}, false},
		"my not mi in English":             {kw("my"), en("Xiaomi Mi 11"), false},
		"my not mi without language":       {kw("my"), Doc{Title: "Xiaomi Mi 11"}, false},
		"by not bi in English":             {kw("by"), en("bi weekly"), false},
		"sky not ski":                      {kw("sky"), vi("ski"), false},
		"mi finds my in Vietnamese":        {kw("mi"), vi("my"), true},
		"thuỷ not thuỉ":                    {kw("thuỷ"), Doc{Title: "thuỉ"}, false},
		"tay not tai":                      {kw("tay"), vi("tai"), false},
		"yêu not iêu":                      {kw("yêu"), Doc{Title: "iêu"}, false},
		"khuyến not khuiến":                {kw("khuyến"), Doc{Title: "khuiến"}, false},
		"gì not gỳ":                        {kw("gì"), Doc{Title: "gỳ"}, false},
		"ý not í":                          {kw("ý kiến"), Doc{Title: "í kiến"}, false},
		"nghĩ not nghỹ":                    {kw("nghĩ"), Doc{Title: "nghỹ"}, false},
		"Đảng not đang":                    {kw("Đảng"), Doc{Title: "đang"}, false},
		"bão not báo":                      {kw("bão"), Doc{Title: "báo"}, false},
		"bão not bảo":                      {kw("bão"), Doc{Title: "bảo"}, false},
		"vàng not vang":                    {kw("vàng"), Doc{Title: "vang"}, false},
		"Hà Nội not Hà Nam":                {kw("Hà Nội"), Doc{Title: "Hà Nam"}, false},
		"same spelling in English matches": {kw("my"), en("my phone"), true},
	})
}

func TestSoftJoin(t *testing.T) {
	tests := map[string]struct {
		in   string
		want bool
	}{
		"dot":                 {"TP.HCM", true},
		"hyphen":              {"VN-Index", true},
		"unicode hyphen":      {"VN\u2010Index", true},
		"lower case hyphen":   {"e-mail", true},
		"number range":        {"2020-2025", false},
		"thousands":           {"1.000", true},
		"letters and digits":  {"G7-2025", true},
		"abbreviations":       {"TP HCM", true},
		"nbsp":                {"TP\u00a0HCM", true},
		"dotted abbreviation": {"Tp. HCM", true},
		"with Đ":              {"UBND HĐND", true},
		"plain words":         {"Hà Nội", false},
		"capital words":       {"HÀ NỘI", false},
		"capitalised":         {"Tp Hcm", false},
		"comma":               {"TP, HCM", false},
		"two dots":            {"TP..HCM", false},
		"en dash":             {"VN–Index", false},
		"long words":          {"ABCDEF GHI", false},
		"lower then abbrev":   {"tp HCM", false},
		"dotted long word":    {"Tphố. HCM", false},
		"digit second":        {"TP 1", false},
		"newline":             {"TP\nHCM", false},
		"ideograph and digit": {"䝑0", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			toks, _ := tokenize(tt.in, inTitle, nil, nil)
			if len(toks) != 2 {
				t.Fatalf("tokenize(%q) = %d tokens, want 2", tt.in, len(toks))
			}
			a, b := toks[0], toks[1]
			got := softJoin(tt.in, int(a.start), int(a.end), int(b.start), int(b.end))
			if got != tt.want {
				t.Errorf("softJoin(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if got && b.flags&tokSoft == 0 {
				t.Errorf("softJoin(%q) holds but the tokenizer did not mark the word (tokSoft)", tt.in)
			}
		})
	}
}
