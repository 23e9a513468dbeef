package classifier

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"

	"bantin/bench/cpuclock"
	"bantin/config"
	"bantin/fold"
)

// seedArticle is a real Vietnamese news article in the shared directory
// next to the repository (../shared from the module root); the benchmark
// falls back to builtinVietnamese when it is absent.
const seedArticle = "../../../shared/seed/kinhtedothi-article.txt"

const builtinVietnamese = `Thời gian qua, cùng với việc tập trung cho công tác phòng, chống dịch bệnh, công tác tổ chức và chuẩn bị Đại hội Đảng các cấp đã được Quận ủy tiến hành khẩn trương, tích cực.
Quận đã chuẩn bị chu đáo về văn kiện, nhân sự, nắm chắc tình hình, tập trung thực hiện để bảo đảm sự thành công Đại hội Đảng bộ quận lần thứ sáu, nhiệm kỳ 2020-2025.
Thành phố Hà Nội đẩy mạnh phát triển sản xuất, kinh doanh dịch vụ, nâng cao đời sống Nhân dân, tăng nguồn thu ngân sách.
Sở Giao thông vận tải đề xuất mở rộng tuyến đường sắt đô thị, giảm ùn tắc giao thông vào giờ cao điểm tại các quận nội thành.
Giá xăng dầu trong nước tiếp tục điều chỉnh theo biến động của thị trường thế giới, người tiêu dùng theo dõi sát diễn biến.
Ngành giáo dục chuẩn bị kỳ thi tốt nghiệp trung học phổ thông, bảo đảm an toàn, nghiêm túc, đúng quy chế.
Bệnh viện tuyến trung ương tăng cường hỗ trợ chuyên môn cho tuyến cơ sở, nâng cao chất lượng khám chữa bệnh.
Mưa lớn kéo dài gây ngập úng cục bộ tại nhiều tuyến phố, lực lượng chức năng khẩn trương tiêu thoát nước.
Đội tuyển bóng đá quốc gia tập trung chuẩn bị cho vòng loại giải vô địch khu vực với nhiều gương mặt mới.
Thị trường chứng khoán ghi nhận phiên giao dịch sôi động, thanh khoản tăng mạnh ở nhóm cổ phiếu ngân hàng.`

const builtinEnglish = `The city council approved a new budget for public transport on Tuesday, promising more buses and longer metro hours.
Climate negotiators met again in the capital to discuss finance for developing countries and the transition away from coal.
Shares in technology companies rose sharply after the central bank signalled that interest rates would stay unchanged.
Health officials reported a drop in hospital admissions as the vaccination campaign reached rural provinces.
Heavy rain flooded several districts overnight, and emergency services evacuated residents from low-lying streets.
The national football team named a young squad for the regional championship qualifiers next month.
Exporters warned that shipping costs and a stronger currency could hurt growth in the second half of the year.
Universities are expanding scholarships for students from remote areas, the education minister said in an interview.
Police arrested three suspects in connection with a series of burglaries in the old quarter.
Researchers published a study on air pollution showing that fine dust levels exceeded safe limits on most winter days.`

var englishNouns = strings.Fields(`election minister parliament budget inflation market stock bank
	currency export import trade tariff factory worker union strike protest court judge police
	crime fire flood storm typhoon earthquake drought harvest farmer rice coffee tourism hotel
	airline airport railway metro bridge highway traffic accident hospital doctor vaccine virus
	school student teacher university exam science research climate energy solar wind coal oil
	gas price tax reform startup technology software chip phone internet security military navy
	border treaty summit president prime embassy visa festival concert film football league
	champion coach athlete olympic medal museum heritage temple pagoda river delta mountain`)

type benchCorpus struct {
	vi, en  []string // sentences
	viWords []string // running text
	viVocab []string // distinct words
}

var sentenceEnd = regexp.MustCompile(`[.!?\n]+\s*`)

func loadBenchCorpus() benchCorpus {
	vi := builtinVietnamese
	if b, err := os.ReadFile(seedArticle); err == nil {
		vi += "\n" + string(b)
	}
	var c benchCorpus
	for _, s := range sentenceEnd.Split(vi, -1) {
		if w := strings.Fields(s); len(w) >= 5 {
			c.vi = append(c.vi, s)
			c.viWords = append(c.viWords, w...)
		}
	}
	seen := map[string]bool{}
	for _, w := range c.viWords {
		w = strings.TrimFunc(w, func(r rune) bool { return !fold.IsWordRune(r) })
		if _, f := words(w); len(f) != 1 {
			continue // punctuation, or several words like "2020-2025"
		}
		if k := strings.ToLower(w); !seen[k] {
			seen[k] = true
			c.viVocab = append(c.viVocab, w)
		}
	}
	for _, s := range sentenceEnd.Split(builtinEnglish, -1) {
		if len(strings.Fields(s)) >= 5 {
			c.en = append(c.en, s)
		}
	}
	return c
}

// benchTopics generates n topics of 20 phrases each, deterministically:
// most phrases are random two- and three-word combinations (Vietnamese
// syllables or English nouns), a few are real n-grams of the Vietnamese
// text, some are written without diacritics. Rule shapes vary.
func benchTopics(c benchCorpus, n int) []config.Topic {
	r := rand.New(rand.NewPCG(42, uint64(n)))
	phrase := func() string {
		var words []string
		switch k := r.IntN(1000); {
		case k < 3: // a real n-gram of the text: hits now and then
			i := r.IntN(len(c.viWords) - 3)
			words = c.viWords[i : i+2+r.IntN(2)]
		case k < 500:
			for j := 2 + r.IntN(2); j > 0; j-- {
				words = append(words, c.viVocab[r.IntN(len(c.viVocab))])
			}
		default:
			for j := 2 + r.IntN(2); j > 0; j-- {
				words = append(words, englishNouns[r.IntN(len(englishNouns))])
			}
		}
		p := strings.Join(words, " ")
		if r.IntN(3) == 0 {
			p = fold.Fold(p)
		}
		return p
	}
	phrases := func(k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = phrase()
		}
		return out
	}
	topics := make([]config.Topic, n)
	for i := range topics {
		t := config.Topic{Slug: fmt.Sprintf("topic-%04d", i)}
		switch i % 4 {
		case 0:
			t.Match = &config.Rule{Keywords: phrases(20)}
		case 1:
			t.Match = &config.Rule{
				Any:  []*config.Rule{{Keywords: phrases(15)}, {Tags: []string{fmt.Sprintf("tag-%d", i)}}},
				None: []*config.Rule{{Keywords: phrases(5)}},
			}
		case 2:
			t.Match = &config.Rule{All: []*config.Rule{{Keywords: phrases(10)}, {Title: phrases(10)}}}
		case 3:
			t.Match = &config.Rule{Keywords: phrases(18), Languages: []string{"vi"},
				None: []*config.Rule{{Keywords: phrases(2)}}}
		}
		topics[i] = t
	}
	return topics
}

// benchDocs builds items of about 300 words of running text, half
// Vietnamese, half English, with HTML paragraphs.
func benchDocs(c benchCorpus, n int) []*Doc {
	r := rand.New(rand.NewPCG(7, 7))
	docs := make([]*Doc, n)
	for i := range docs {
		sents, lang := c.vi, "vi"
		if i%2 == 1 {
			sents, lang = c.en, "en"
		}
		var content strings.Builder
		words := 0
		for words < 300 {
			s := sents[r.IntN(len(sents))]
			content.WriteString("<p>" + s + ".</p>\n")
			words += len(strings.Fields(s))
		}
		title := strings.Join(strings.Fields(sents[r.IntN(len(sents))])[:5], " ")
		docs[i] = &Doc{
			Title:    title,
			Summary:  "<p>" + sents[r.IntN(len(sents))] + ".</p>",
			Content:  content.String(),
			Tags:     []string{"thoi-su", fmt.Sprintf("tag-%d", r.IntN(2000))},
			Source:   "src",
			Language: lang,
		}
	}
	return docs
}

func BenchmarkClassify(b *testing.B) {
	corpus := loadBenchCorpus()
	docs := benchDocs(corpus, 64)
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("topics=%d", n), func(b *testing.B) {
			c := mustCompile(b, benchTopics(corpus, n)...)
			matches := 0
			b.ReportAllocs()
			cpu0, cpuOK := cpuclock.Process()
			for i := 0; b.Loop(); i++ {
				matches += len(c.Classify(docs[i%len(docs)], now))
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
			// On a shared machine wall time overstates the cost; items per
			// CPU second of this process (benchmark loop plus GC) does not.
			if cpu1, _ := cpuclock.Process(); cpuOK && cpu1 > cpu0 {
				b.ReportMetric(float64(b.N)/(cpu1-cpu0).Seconds(), "items/cpu-s")
			}
			b.ReportMetric(float64(matches)/float64(b.N), "topics/item")
		})
	}
}

// BenchmarkCompile measures building the classifier (config load and
// reload) for 1,000 topics of 20 phrases.
func BenchmarkCompile(b *testing.B) {
	topics := benchTopics(loadBenchCorpus(), 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(topics); err != nil {
			b.Fatal(err)
		}
	}
}
