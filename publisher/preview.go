package publisher

import (
	"context"
	"time"

	"bantin/config"
	"bantin/db"
)

// TopicPage returns the first page of topic t as the server would publish
// it at now (curation, dedupe and caps applied), for `bantin preview`.
func TopicPage(ctx context.Context, store *db.DB, t *config.Topic, now time.Time) ([]Entry, error) {
	s := New(&config.Config{Topics: []config.Topic{*t}}, store, nil)
	s.now = func() time.Time { return now }
	entries, _, err := s.composeTopic(ctx, *t, nil)
	return entries, err
}
