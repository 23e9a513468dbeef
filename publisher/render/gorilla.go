package render

import (
	"github.com/gorilla/feeds"
)

// generator names the software in RSS <generator> and Atom <generator>.
// It is not an author: feeds carry no feed-level author, which Atom and
// JSON Feed readers would show as the author of every entry that names
// none (entryAuthors names the source instead).
const generator = "bantin"

// gorillaFeed builds the gorilla/feeds model every format starts from; the
// format renderers then extend gorilla's output structs with what the
// specs need and gorilla cannot express.
func gorillaFeed(f *Feed) *feeds.Feed {
	g := &feeds.Feed{
		Title:       f.Title,
		Link:        &feeds.Link{Href: f.SiteLink},
		Description: f.Description,
		Updated:     f.updated(),
		Id:          f.ID,
	}
	for _, e := range f.Entries {
		it := e.Item
		gi := &feeds.Item{
			Title:       EntryTitle(it),
			Description: publishedHTML(it.Summary),
			Id:          EntryID(f.BaseURL, it.SourceID, it.GUID),
			IsPermaLink: "false",
			Created:     Published(it),
			Updated:     itemUpdated(it),
			Content:     ContentHTML(e),
		}
		if link := ItemLink(it.Link); link != "" {
			gi.Link = &feeds.Link{Href: link}
		}
		if len(it.Authors) > 0 {
			gi.Author = &feeds.Author{Name: it.Authors[0].Name, Email: personEmail(it.Authors[0].Email)}
		}
		g.Add(gi)
	}
	return g
}
