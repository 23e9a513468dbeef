// Package synth generates the synthetic news feeds of bantin's benchmarks:
// RSS 2.0 feeds of about 1 KB of Vietnamese and English text per item, two
// categories each, written as a newsroom writes them (many sources, the
// same stories, the same hours), and the five keyword topics a desk would
// sort them into. The same arguments always give the same bytes.
package synth

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// Dates chooses when the items of the feeds were published.
type Dates struct {
	// Spread spreads the items out: feed i's items are 16 hours after
	// those of feed i-1, from 2020-01-01, each feed's items evenly over
	// its 16 hours. Otherwise every item of every feed is published
	// within 90 minutes after Anchor, as the news of one morning.
	Spread bool
	Anchor time.Time
}

// Window is how close together in time the items are without Spread.
const Window = 90 * time.Minute

// theme is the vocabulary of one kind of story; topic is the slug of the
// benchmark topic that takes it ("" for none).
type theme struct {
	topic string
	words []string
}

var themes = []theme{
	{"kinh-te", strings.Split("kinh tế|ngân hàng|lãi suất|chứng khoán|tỷ giá|doanh nghiệp|xuất khẩu|lạm phát|"+
		"interest rate|stock market|investors|bond yields", "|")},
	{"giao-thong", strings.Split("giao thông|Vành đai 4|đường sắt đô thị|ùn tắc|cao tốc|xe buýt|"+
		"metro line|bridge|highway|tai nạn|sân bay|bến xe", "|")},
	{"giao-duc", strings.Split("giáo dục|học sinh|kỳ thi|tốt nghiệp|trường học|giáo viên|"+
		"university|students|học phí|sách giáo khoa|tuyển sinh|scholarship", "|")},
	{"y-te", strings.Split("y tế|bệnh viện|bác sĩ|vắc xin|dịch bệnh|khám chữa bệnh|"+
		"hospital|vaccine|bảo hiểm y tế|thuốc|người bệnh|public health", "|")},
	{"thoi-tiet", strings.Split("thời tiết|mưa lớn|bão số 5|ngập úng|nắng nóng|không khí lạnh|"+
		"flood|storm|typhoon|miền Bắc|miền Trung|lũ quét", "|")},
	{"", strings.Split("văn hóa|lễ hội|du lịch|bóng đá|âm nhạc|triển lãm|"+
		"festival|concert|tourism|football|museum|di sản", "|")},
}

// common words fill the rest of every story.
var common = strings.Fields(`Hà Nội thành phố quận huyện nhân dân chính phủ Quốc hội ngày hôm nay theo cho biết
đã được các những trong năm tháng tuần người dân cơ quan chức năng kế hoạch dự án triển khai thực hiện
báo cáo đề xuất phương án tiếp tục tăng giảm so với cùng kỳ khu vực trung tâm địa phương lãnh đạo
the city council government report week officials said on Tuesday plan project people according to
local authorities announced new rules from next month in the capital province district`)

// Topic is one benchmark topic: items whose text holds any of Keywords.
type Topic struct {
	Slug, Title string
	Keywords    []string
}

// Topics are the five keyword topics of the benchmark; between them they
// take most items (some items twice), as a desk's topics do.
func Topics() []Topic {
	var out []Topic
	for _, t := range themes {
		if t.topic == "" {
			continue
		}
		// The first four phrases of the theme, one written without
		// diacritics as editors often do.
		kw := append([]string(nil), t.words[:4]...)
		out = append(out, Topic{Slug: t.topic, Title: t.words[0], Keywords: kw})
	}
	return out
}

// TopicsYAML is Topics as the topics: section of a bantin config.
func TopicsYAML() string {
	var b strings.Builder
	for _, t := range Topics() {
		fmt.Fprintf(&b, "  - slug: %s\n    title: %q\n    match: {keywords: [", t.Slug, t.Title)
		for i, k := range t.Keywords {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q", k)
		}
		b.WriteString("]}\n")
	}
	return b.String()
}

// rng is a xorshift32 generator.
type rng uint32

func (r *rng) next() uint32 {
	*r ^= *r << 13
	*r ^= *r >> 17
	*r ^= *r << 5
	return uint32(*r)
}

func (r *rng) pick(list []string) string { return list[r.next()%uint32(len(list))] }

// stories is how many stories the items of all feeds report: many
// sources carry each one, under the same title.
const stories = 600

// Words is the length of an item's text in Feed: about 1.1 KB of XML per
// item in all.
const Words = 100

// Feed returns synthetic feed number i with n items, published at d.
// Each item reports one of the stories of the day: its title is the
// story's, its text the source's own (about 1 KB), mostly of the story's
// theme with a mention of another theme, and it has two categories.
func Feed(i, n int, d Dates) []byte { return FeedWords(i, n, Words, d) }

// FeedWords is Feed with items of words words of text (at least 1): about
// 10 bytes of XML a word, and 300 for the rest of the item.
func FeedWords(i, n, words int, d Dates) []byte {
	words = max(words, 1)
	var b bytes.Buffer
	b.Grow(n*(words*10+300) + 300)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Báo số %d</title><link>https://bao%d.example/</link><description>Synthetic news feed</description><language>vi</language>
`, i, i)
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 16 * time.Hour)
	for j := range n {
		item := rng(uint32(i)*2654435761 ^ uint32(j)*40503 | 1)
		item.next()
		story := int(item.next() % stories)
		sr := rng(uint32(story)*7919 + 17)
		th := themes[story%len(themes)]
		other := themes[(story+1+int(item.next()%uint32(len(themes)-1)))%len(themes)]
		var pub time.Time
		if d.Spread {
			pub = start.Add(time.Duration(j) * 16 * time.Hour / time.Duration(max(n, 1)))
		} else {
			// The story breaks at its minute; sources follow within a
			// quarter of an hour, all within Window.
			at := time.Duration(story)*(Window-15*time.Minute)/stories + time.Duration(item.next()%900)*time.Second
			pub = d.Anchor.Add(at)
		}
		b.WriteString("<item><title>")
		for k := range 10 {
			if k%3 == 0 {
				b.WriteString(sr.pick(th.words))
			} else {
				b.WriteString(sr.pick(common))
			}
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "(%d)</title><link>https://bao%d.example/tin/%d-%d.html</link><guid isPermaLink=\"false\">bao%d-%d</guid>",
			story, i, story, j, i, j)
		fmt.Fprintf(&b, "<pubDate>%s</pubDate><category>%s</category><category>%s</category><description><![CDATA[<p>",
			pub.Format(time.RFC1123Z), th.words[0], item.pick(common))
		for k := range words {
			switch {
			case k%4 == 1:
				b.WriteString(item.pick(th.words))
			case k == words*6/10 || k == words*9/10:
				b.WriteString(item.pick(other.words))
			default:
				b.WriteString(item.pick(common))
			}
			if k%22 == 21 {
				b.WriteString(".</p><p>")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString("</p>]]></description></item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}
