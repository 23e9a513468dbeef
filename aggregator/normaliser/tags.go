package normaliser

import "bantin/db"

// Tags returns an item's tags as Normalise stores them: the upstream
// categories, then the source's tags, each NFC with white space collapsed,
// slugged with fold.Slug; names without a slug and repeated slugs are
// dropped (the first name of a slug is kept). Recomputing the tags of a
// stored item from its Categories and its source's current tags gives what
// a fresh fetch would store.
func Tags(categories, sourceTags []string) []db.Tag { return tags(categories, sourceTags) }
