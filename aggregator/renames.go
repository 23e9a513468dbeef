package aggregator

import (
	"context"
	"fmt"

	"bantin/config"
	"bantin/db"
)

// FollowRenames moves the curations stored under a topic's former slugs
// (its aliases) to the topic, so that a renamed topic keeps its pins and
// hides. It returns the number of curations moved.
func FollowRenames(ctx context.Context, store *db.DB, cfg *config.Config) (int, error) {
	moved := 0
	for _, t := range cfg.Topics {
		for _, alias := range t.Aliases {
			n, err := store.RenameCurations(ctx, alias, t.Slug)
			if err != nil {
				return moved, fmt.Errorf("aggregator: follow topic rename: %w", err)
			}
			moved += n
		}
	}
	return moved, nil
}
